/*
materialized: incremental
unique_key: transaction_id
# merging new bronze rows: the first row in this order wins (as in the QUALIFY below)
order_by: transaction_timestamp DESC, source_file DESC, source_line DESC
description: >
  One row per transaction_id: greatest transaction_timestamp wins, then the
  latest arrival (a payment that moves from pending to completed).
tags: [silver]
columns:
  - name: transaction_id
    checks: [not_null, unique]
*/
SELECT transaction_id, session_id, user_id, amount, currency, status, transaction_timestamp,
       _file AS source_file, _line AS source_line
FROM bronze.transactions
QUALIFY row_number() OVER (
    PARTITION BY transaction_id
    ORDER BY transaction_timestamp DESC, _file DESC, _line DESC
) = 1
