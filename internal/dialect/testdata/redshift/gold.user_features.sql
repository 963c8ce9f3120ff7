WITH tx AS (
    SELECT
        user_id,
        transaction_timestamp,
        amount,
        currency
    FROM silver.transactions
    WHERE user_id IS NOT NULL
),
last_tx AS (
    SELECT
        user_id,
        max(transaction_timestamp) AS latest_transaction
    FROM tx
    GROUP BY user_id
),
windows AS (
    SELECT
        l.user_id,
        l.latest_transaction,
        CAST(count(CASE WHEN t.transaction_timestamp >= (l.latest_transaction - INTERVAL '1 minute') THEN 1 END) AS INTEGER) AS transactions_1m,
        CAST(count(CASE WHEN t.transaction_timestamp >= (l.latest_transaction - INTERVAL '1 hour') THEN 1 END) AS INTEGER) AS transactions_1h,
        CAST(count(CASE WHEN t.transaction_timestamp >= (l.latest_transaction - INTERVAL '24 hour') THEN 1 END) AS INTEGER) AS transactions_24h
    FROM last_tx AS l
    JOIN tx AS t USING (user_id)
    GROUP BY l.user_id, l.latest_transaction
),
amounts AS (
    SELECT
        user_id,
        CAST(('{' || LISTAGG('"' || replace(replace(replace(replace(replace(CAST(currency AS VARCHAR(MAX)), '\\', '\\\\'), '"', '\\"'), chr(10), '\\n'), chr(13), '\\r'), chr(9), '\\t') || '"' || ':' || coalesce(regexp_replace(rtrim(CAST(avg_amount AS VARCHAR(MAX)), '0'), '\\.$', '.0'), 'null'), ',') WITHIN GROUP (ORDER BY currency NULLS LAST) || '}') AS VARCHAR(MAX)) AS avg_amount_by_currency
    FROM (
        SELECT
            user_id,
            currency,
            CAST(round(avg(amount), 2) AS DECIMAL(12,2)) AS avg_amount
        FROM tx
        GROUP BY user_id, currency
    ) AS __subquery_1
    GROUP BY user_id
),
sessions AS (
    SELECT
        user_id,
        CAST(count(*) AS INTEGER) AS sessions,
        CAST(avg(CAST(is_conversion AS INTEGER)) AS DOUBLE PRECISION) AS conversion_rate
    FROM gold.user_session_analysis
    WHERE user_id IS NOT NULL
    GROUP BY user_id
),
events AS (
    SELECT
        user_id,
        max(event_timestamp) AS latest_event
    FROM silver.events
    WHERE user_id IS NOT NULL
    GROUP BY user_id
),
users AS (
    SELECT
        user_id
    FROM silver.users
    UNION
    (
        SELECT
            user_id
        FROM events
        UNION
        SELECT
            user_id
        FROM last_tx
        UNION
        SELECT
            user_id
        FROM sessions
    )
)
SELECT
    u.user_id,
    coalesce(w.transactions_1m, 0) AS transactions_1m,
    coalesce(w.transactions_1h, 0) AS transactions_1h,
    coalesce(w.transactions_24h, 0) AS transactions_24h,
    w.latest_transaction,
    coalesce(s.sessions, 0) AS sessions,
    coalesce(s.conversion_rate, 0) AS conversion_rate,
    a.avg_amount_by_currency,
    e.latest_event
FROM users AS u
LEFT JOIN windows AS w USING (user_id)
LEFT JOIN amounts AS a USING (user_id)
LEFT JOIN sessions AS s USING (user_id)
LEFT JOIN events AS e USING (user_id)
