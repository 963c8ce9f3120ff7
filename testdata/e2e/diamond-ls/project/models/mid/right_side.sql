/*
materialized: table
tags: [nightly]
*/
WITH o AS (SELECT * FROM raw.orders)
SELECT id FROM o WHERE kind > 0
