/*
materialized: incremental
unique_key: transaction_id
description: >
  One row per flagged transaction: at its time t, its user had more than
  fraud_threshold transactions (any status, failed attempts included) in the
  closed interval [t - fraud_window_seconds, t]; transactions at the same
  instant all count.
tags: [gold, fraud]
vars:
  fraud_threshold: 3          # more than this many transactions ...
  fraud_window_seconds: 60    # ... within this many seconds up to the transaction
# A transaction's window holds only its user's transactions: recompute every
# transaction of each user whose transactions changed (old and new user of a
# moved one), reading only those users' transactions.
affected_keys: |
  SELECT transaction_id FROM silver.transactions
  WHERE user_id IN (SELECT user_id FROM changes_silver__transactions)
keyed_inputs: [silver.transactions]
columns:
  - name: transaction_id
    checks: [not_null, unique]
  - name: transactions_in_window
    checks:
      - range: {min: 4}
*/
-- Two transactions can be in one window only if they fall in the same or in
-- neighbouring buckets of time a little longer than the window: the join
-- pairs a transaction with those of its user in its own bucket and the one
-- before, not with every other transaction of its user (a user with a long
-- history made the join quadratic).
WITH tx AS (
    SELECT transaction_id, user_id, status, transaction_timestamp,
           floor(epoch(transaction_timestamp) / (greatest(getvariable('fraud_window_seconds'), 0) + 1))::BIGINT AS bucket
    FROM silver.transactions
    WHERE user_id IS NOT NULL
),
-- Each transaction as seen from its own bucket and from the next one.
seen AS (
    SELECT user_id, status, transaction_timestamp, bucket FROM tx
    UNION ALL
    SELECT user_id, status, transaction_timestamp, bucket + 1 FROM tx
)
SELECT t.transaction_id, t.user_id, t.transaction_timestamp,
       count(*)::INTEGER AS transactions_in_window,
       count(*) FILTER (WHERE w.status = 'failed')::INTEGER AS failed_in_window
FROM tx AS t
JOIN seen AS w
  ON w.user_id = t.user_id
 AND w.bucket = t.bucket
 AND w.transaction_timestamp BETWEEN t.transaction_timestamp - to_seconds(getvariable('fraud_window_seconds'))
                                 AND t.transaction_timestamp
GROUP BY t.transaction_id, t.user_id, t.transaction_timestamp
HAVING count(*) > getvariable('fraud_threshold')
