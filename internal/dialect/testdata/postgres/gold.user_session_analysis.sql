WITH sessions AS (
    SELECT
        session_id,
        min(event_timestamp) AS session_start_time,
        count(*) AS total_events,
        (array_agg(user_id ORDER BY event_timestamp NULLS LAST, event_id NULLS LAST) FILTER (WHERE user_id IS NOT NULL))[1] AS user_id
    FROM silver.events
    GROUP BY session_id
),
main_event_type AS (
    SELECT
        session_id,
        event_type
    FROM (
        SELECT
            session_id,
            event_type,
            row_number() OVER (PARTITION BY session_id ORDER BY n DESC NULLS LAST, first_seen NULLS LAST, event_type NULLS LAST) AS __qualify_1
        FROM (
            SELECT
                session_id,
                event_type,
                count(*) AS n,
                min(event_timestamp) AS first_seen
            FROM silver.events
            GROUP BY session_id, event_type
        ) AS __subquery_1
    ) AS __qualify
    WHERE __qualify_1 = 1
),
chosen_transaction AS (
    SELECT
        session_id,
        transaction_id,
        user_id,
        amount,
        currency
    FROM (
        SELECT
            session_id,
            transaction_id,
            user_id,
            amount,
            currency,
            row_number() OVER (PARTITION BY session_id ORDER BY transaction_timestamp DESC NULLS LAST, transaction_id DESC NULLS LAST) AS __qualify_1
        FROM silver.transactions
        WHERE status = 'completed'
    ) AS __qualify
    WHERE __qualify_1 = 1
)
SELECT
    CAST(s.session_id AS text) AS session_id,
    CAST(coalesce(s.user_id, t.user_id) AS text) AS user_id,
    CAST(u.country AS text) AS user_country,
    CAST(u.device AS text) AS user_device,
    CAST(s.session_start_time AS timestamp) AS session_start_time,
    CAST(s.total_events AS integer) AS total_events,
    CAST(m.event_type AS text) AS event_type,
    CAST(t.transaction_id AS text) AS transaction_id,
    CAST(t.amount AS numeric(10,2)) AS amount,
    CAST(t.currency AS text) AS currency,
    CAST(t.transaction_id IS NOT NULL AS boolean) AS is_conversion
FROM sessions AS s
JOIN main_event_type AS m USING (session_id)
LEFT JOIN chosen_transaction AS t USING (session_id)
LEFT JOIN silver.users AS u
    ON u.user_id = coalesce(s.user_id, t.user_id)
ORDER BY s.session_start_time NULLS LAST, s.session_id NULLS LAST
