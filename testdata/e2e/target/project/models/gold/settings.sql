/* materialized: table */
SELECT getvariable('env') AS env, getvariable('min_amount') AS min_amount, count(*) AS n
FROM range(20) AS t(i) WHERE i >= getvariable('min_amount')
