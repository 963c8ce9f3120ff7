/* materialized: table */
SELECT range AS id, range % 3 AS kind FROM range(6)
