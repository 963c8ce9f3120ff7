/* materialized: table */
SELECT * FROM mid.left_side
UNION ALL
SELECT * FROM (SELECT id FROM mid.right_side) AS r
