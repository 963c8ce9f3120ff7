/*
columns:
  - name: status
    checks:
      - accepted_values: {values: [new, paid], mostly: 0.6}
      - accepted_values: {values: [new], severity: warn, name: only_new}
  - name: amount
    checks:
      - expression: {expr: "amuont > 0", severity: warn}
*/
SELECT * FROM (VALUES (1, 'new', 5), (2, 'paid', 6), (3, 'lost', 7)) AS t(order_id, status, amount)
