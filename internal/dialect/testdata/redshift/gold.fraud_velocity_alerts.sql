WITH tx AS (
    SELECT
        transaction_id,
        user_id,
        status,
        transaction_timestamp
    FROM silver.transactions
    WHERE user_id IS NOT NULL
)
SELECT
    t.transaction_id,
    t.user_id,
    t.transaction_timestamp,
    CAST(count(*) AS INTEGER) AS transactions_in_window,
    CAST(count(CASE WHEN w.status = 'failed' THEN 1 END) AS INTEGER) AS failed_in_window
FROM tx AS t
JOIN tx AS w
    ON (w.user_id = t.user_id) AND (w.transaction_timestamp BETWEEN (t.transaction_timestamp - (60 * INTERVAL '1 second')) AND t.transaction_timestamp)
GROUP BY t.transaction_id, t.user_id, t.transaction_timestamp
HAVING count(*) > 3
