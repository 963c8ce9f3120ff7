/*
materialized: incremental
unique_key: order_id
# merging new bronze rows: the first row in this order wins (as in the QUALIFY below)
order_by: ordered_at DESC, source_file DESC, source_line DESC
columns:
  - name: order_id
    checks: [not_null, unique]
*/
SELECT order_id, amount, ordered_at, channel, note, _file AS source_file, _line AS source_line
FROM bronze.orders
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY ordered_at DESC, _file DESC, _line DESC) = 1
