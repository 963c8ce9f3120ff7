/*
unique_key: order_id
columns:
  - name: order_id
    checks: [not_null, unique]
  - name: status
    checks:
      - accepted_values: [new, paid, shipped]
  - name: customer_id
    checks:
      - relationships: shop.customers.customer_id
      - max_null_pct: 30
  - name: amount
    checks:
      - range: {min: 0, max: 1000, severity: warn}
checks:
  - row_count: {min: 1, max: 100}
  - expression: {name: paid_has_amount, expr: "status <> 'paid' OR amount > 0"}
*/
SELECT * FROM (VALUES
    (1, 'new', 10, 5.00),
    (2, 'paid', 11, 0.00),
    (2, 'paid', 99, 20.00),
    (3, 'lost', NULL, -7.50),
    (4, 'paid', NULL, 99.00),
    (5, 'new', NULL, 1200.00),
    (NULL, 'new', 10, 1.00)
) AS t(order_id, status, customer_id, amount)
