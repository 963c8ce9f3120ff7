/*
materialized: incremental
unique_key: user_id
description: >
  One row per user: the features a fraud model reads online. Transactions in
  the 1 minute, 1 hour and 24 hours up to the user's latest transaction
  (closed intervals, any status), sessions, conversion rate, average amount
  per currency, and the time of the latest event.
tags: [gold, fraud]
# Users whose events, transactions, sessions or attributes changed; each
# input is read for those users only. No row has a NULL user (users require
# one, and every other input is read where user_id IS NOT NULL), so changes
# without a user touch none: recomputing the NULL key read the 1M events
# without a user for no row (0.10 s after +1% at 10M events).
affected_keys: |
  SELECT user_id FROM (
    SELECT user_id FROM changes_silver__events
    UNION SELECT user_id FROM changes_silver__transactions
    UNION SELECT user_id FROM changes_silver__users
    UNION SELECT user_id FROM changes_gold__user_session_analysis
  ) WHERE user_id IS NOT NULL
keyed_inputs: [silver.events, silver.transactions, silver.users, gold.user_session_analysis]
# Served from Redis: hash user:<user_id>, written after each build's commit.
online:
  key_prefix: "user:"
  ttl: 24h
columns:
  - name: user_id
    checks: [not_null, unique]
  - name: conversion_rate
    checks:
      - range: {min: 0, max: 1}
*/
WITH tx AS (
    SELECT user_id, transaction_timestamp, amount, currency
    FROM silver.transactions WHERE user_id IS NOT NULL
),
last_tx AS (
    SELECT user_id, max(transaction_timestamp) AS latest_transaction FROM tx GROUP BY user_id
),
windows AS (
    SELECT l.user_id, l.latest_transaction,
           count(*) FILTER (WHERE t.transaction_timestamp >= l.latest_transaction - INTERVAL 1 MINUTE)::INTEGER AS transactions_1m,
           count(*) FILTER (WHERE t.transaction_timestamp >= l.latest_transaction - INTERVAL 1 HOUR)::INTEGER AS transactions_1h,
           count(*) FILTER (WHERE t.transaction_timestamp >= l.latest_transaction - INTERVAL 24 HOUR)::INTEGER AS transactions_24h
    FROM last_tx AS l JOIN tx AS t USING (user_id)
    GROUP BY l.user_id, l.latest_transaction
),
-- One list of (currency, amount), sorted once made, rather than two lists
-- each ordered as it is aggregated: the same JSON for 94,000 users at 10M
-- events in 0.23 s against 0.61 s.
amounts AS (
    SELECT user_id, to_json(map_from_entries(list_sort(list((currency, avg_amount)))))::VARCHAR AS avg_amount_by_currency
    FROM (SELECT user_id, currency, round(avg(amount), 2)::DECIMAL(12, 2) AS avg_amount FROM tx GROUP BY user_id, currency)
    GROUP BY user_id
),
sessions AS (
    SELECT user_id, count(*)::INTEGER AS sessions, avg(is_conversion::INTEGER)::DOUBLE AS conversion_rate
    FROM gold.user_session_analysis WHERE user_id IS NOT NULL GROUP BY user_id
),
events AS (
    SELECT user_id, max(event_timestamp) AS latest_event FROM silver.events WHERE user_id IS NOT NULL GROUP BY user_id
),
users AS (
    SELECT user_id FROM silver.users
    UNION SELECT user_id FROM events
    UNION SELECT user_id FROM last_tx
    UNION SELECT user_id FROM sessions
)
SELECT u.user_id,
       coalesce(w.transactions_1m, 0) AS transactions_1m,
       coalesce(w.transactions_1h, 0) AS transactions_1h,
       coalesce(w.transactions_24h, 0) AS transactions_24h,
       w.latest_transaction,
       coalesce(s.sessions, 0) AS sessions,
       coalesce(s.conversion_rate, 0) AS conversion_rate,
       a.avg_amount_by_currency,
       e.latest_event
FROM users AS u
LEFT JOIN windows AS w USING (user_id)
LEFT JOIN amounts AS a USING (user_id)
LEFT JOIN sessions AS s USING (user_id)
LEFT JOIN events AS e USING (user_id)
