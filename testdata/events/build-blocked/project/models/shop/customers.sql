/*
checks:
  - row_count: {max: 2}
*/
SELECT * FROM (VALUES (10), (11), (12)) AS t(customer_id)
