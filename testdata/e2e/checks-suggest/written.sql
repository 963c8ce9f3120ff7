/*
materialized: table
description: A table made so that each suggestion rule fires once; one outlying score.
# Checks written by hand stay as they are.
columns:
  - name: id
    description: the key
    checks:
      - not_null # 40 rows, 0 nulls
      - unique # 40 rows, 40 distinct
  - name: score
    checks:
      - not_null # declared by hand
      - {range: {min: 0, max: 150}} # 40 rows, min 0.0, max 99.0, widened by half the span
  - name: status
    checks:
      - {max_null_pct: 32.4} # 40 rows, 8 nulls (20.00%)
      - {accepted_values: ["closed", "open"]} # 2 values: closed 16, open 16
*/
SELECT 'k' || i AS id,
       CASE WHEN i % 5 = 0 THEN NULL WHEN i % 2 = 0 THEN 'open' ELSE 'closed' END AS status,
       CASE WHEN i = 21 THEN 99 ELSE (i % 10) * 1.5 END::DOUBLE AS score
FROM range(1, 41) AS t(i)
