/*
materialized: table
description: One row per order, its latest state (the last line written wins).
columns:
  - name: order_id
    description: the order
    checks: [not_null, unique]
*/
SELECT order_id, customer_id, amount, currency, status, ordered_at
FROM bronze.orders
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY _file DESC, _line DESC) = 1
