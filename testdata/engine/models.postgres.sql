-- silver.events (incremental) from models/silver/events.sql, for postgres (target pg): built under its staging name, then published
CREATE TABLE "silver"."_elt_staging_events" AS
WITH copies AS (
    SELECT
        event_id,
        count(*) AS n
    FROM bronze.events
    GROUP BY event_id
)
SELECT
    event_id,
    session_id,
    user_id,
    event_type,
    event_timestamp,
    properties,
    _file AS source_file,
    _line AS source_line
FROM bronze.events AS b
WHERE NOT EXISTS (
    SELECT 1
    FROM copies AS c
    WHERE (c.event_id = b.event_id) AND (c.n > 1)
)
UNION ALL
SELECT
    event_id,
    session_id,
    user_id,
    event_type,
    event_timestamp,
    properties,
    source_file,
    source_line
FROM (
    SELECT
        event_id,
        session_id,
        user_id,
        event_type,
        event_timestamp,
        properties,
        _file AS source_file,
        _line AS source_line,
        row_number() OVER (PARTITION BY event_id ORDER BY event_timestamp DESC NULLS LAST, _file DESC NULLS LAST, _line DESC NULLS LAST) AS __qualify_1
    FROM bronze.events AS b
    WHERE EXISTS (
        SELECT 1
        FROM copies AS c
        WHERE (c.event_id = b.event_id) AND (c.n > 1)
    )
) AS __qualify
WHERE __qualify_1 = 1;

-- silver.transactions (incremental) from models/silver/transactions.sql, for postgres (target pg): built under its staging name, then published
CREATE TABLE "silver"."_elt_staging_transactions" AS
SELECT
    transaction_id,
    session_id,
    user_id,
    amount,
    currency,
    status,
    transaction_timestamp,
    source_file,
    source_line
FROM (
    SELECT
        transaction_id,
        session_id,
        user_id,
        amount,
        currency,
        status,
        transaction_timestamp,
        _file AS source_file,
        _line AS source_line,
        row_number() OVER (PARTITION BY transaction_id ORDER BY transaction_timestamp DESC NULLS LAST, _file DESC NULLS LAST, _line DESC NULLS LAST) AS __qualify_1
    FROM bronze.transactions
) AS __qualify
WHERE __qualify_1 = 1;

-- gold.fraud_velocity_alerts (incremental) from models/gold/fraud_velocity_alerts.sql, for postgres (target pg): built under its staging name, then published
CREATE TABLE "gold"."_elt_staging_fraud_velocity_alerts" AS
WITH tx AS (
    SELECT
        transaction_id,
        user_id,
        status,
        transaction_timestamp,
        CAST(floor(CAST(extract(epoch FROM transaction_timestamp) AS double precision) / (greatest(60, 0) + 1)) AS bigint) AS bucket
    FROM silver._elt_staging_transactions AS transactions
    WHERE user_id IS NOT NULL
),
seen AS (
    SELECT
        user_id,
        status,
        transaction_timestamp,
        bucket
    FROM tx
    UNION ALL
    SELECT
        user_id,
        status,
        transaction_timestamp,
        bucket + 1
    FROM tx
)
SELECT
    t.transaction_id,
    t.user_id,
    t.transaction_timestamp,
    CAST(count(*) AS integer) AS transactions_in_window,
    CAST(count(*) FILTER (WHERE w.status = 'failed') AS integer) AS failed_in_window
FROM tx AS t
JOIN seen AS w
    ON (w.user_id = t.user_id) AND (w.bucket = t.bucket) AND (w.transaction_timestamp BETWEEN (t.transaction_timestamp - (60 * INTERVAL '1 second')) AND t.transaction_timestamp)
GROUP BY t.transaction_id, t.user_id, t.transaction_timestamp
HAVING count(*) > 3;

-- silver.users (incremental) from models/silver/users.sql, for postgres (target pg): built under its staging name, then published
CREATE TABLE "silver"."_elt_staging_users" AS
SELECT
    user_id,
    country,
    device,
    signup_date,
    updated_at,
    source_file,
    source_line
FROM (
    SELECT
        user_id,
        country,
        device,
        signup_date,
        updated_at,
        _file AS source_file,
        _line AS source_line,
        row_number() OVER (PARTITION BY user_id ORDER BY updated_at DESC NULLS LAST, _file DESC NULLS LAST, _line DESC NULLS LAST) AS __qualify_1
    FROM bronze.users
) AS __qualify
WHERE __qualify_1 = 1;

-- gold.user_session_analysis (incremental) from models/gold/user_session_analysis.sql, for postgres (target pg): built under its staging name, then published
CREATE TABLE "gold"."_elt_staging_user_session_analysis" AS
WITH per_type AS (
    SELECT
        session_id,
        event_type,
        count(*) AS n,
        min(event_timestamp) AS first_seen,
        min(event_timestamp) FILTER (WHERE user_id IS NOT NULL) AS first_named
    FROM silver._elt_staging_events AS events
    GROUP BY session_id, event_type
),
sessions AS (
    SELECT
        session_id,
        event_type,
        session_start_time,
        total_events,
        first_named
    FROM (
        SELECT
            session_id,
            event_type,
            min(first_seen) OVER (PARTITION BY session_id) AS session_start_time,
            sum(n) OVER (PARTITION BY session_id) AS total_events,
            min(first_named) OVER (PARTITION BY session_id) AS first_named,
            row_number() OVER (PARTITION BY session_id ORDER BY n DESC NULLS LAST, first_seen NULLS LAST, event_type NULLS LAST) AS __qualify_1
        FROM per_type
    ) AS __qualify
    WHERE __qualify_1 = 1
),
first_user AS (
    SELECT
        session_id,
        user_id
    FROM (
        SELECT
            e.session_id,
            e.user_id,
            row_number() OVER (PARTITION BY e.session_id ORDER BY e.event_id NULLS LAST) AS __qualify_1
        FROM silver._elt_staging_events AS e
        JOIN sessions AS s
            ON (s.session_id = e.session_id) AND (s.first_named = e.event_timestamp)
        WHERE e.user_id IS NOT NULL
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
        FROM silver._elt_staging_transactions AS transactions
        WHERE status = 'completed'
    ) AS __qualify
    WHERE __qualify_1 = 1
)
SELECT
    CAST(s.session_id AS text) AS session_id,
    CAST(coalesce(f.user_id, t.user_id) AS text) AS user_id,
    CAST(u.country AS text) AS user_country,
    CAST(u.device AS text) AS user_device,
    CAST(s.session_start_time AS timestamp) AS session_start_time,
    CAST(s.total_events AS integer) AS total_events,
    CAST(s.event_type AS text) AS event_type,
    CAST(t.transaction_id AS text) AS transaction_id,
    CAST(t.amount AS numeric(10,2)) AS amount,
    CAST(t.currency AS text) AS currency,
    CAST(t.transaction_id IS NOT NULL AS boolean) AS is_conversion
FROM sessions AS s
LEFT JOIN first_user AS f USING (session_id)
LEFT JOIN chosen_transaction AS t USING (session_id)
LEFT JOIN silver._elt_staging_users AS u
    ON u.user_id = coalesce(f.user_id, t.user_id)
ORDER BY s.session_start_time NULLS LAST, s.session_id NULLS LAST;

-- gold.user_features (incremental) from models/gold/user_features.sql, for postgres (target pg): built under its staging name, then published
CREATE TABLE "gold"."_elt_staging_user_features" AS
WITH tx AS (
    SELECT
        user_id,
        transaction_timestamp,
        amount,
        currency
    FROM silver._elt_staging_transactions AS transactions
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
        CAST(count(*) FILTER (WHERE t.transaction_timestamp >= (l.latest_transaction - INTERVAL '1 minute')) AS integer) AS transactions_1m,
        CAST(count(*) FILTER (WHERE t.transaction_timestamp >= (l.latest_transaction - INTERVAL '1 hour')) AS integer) AS transactions_1h,
        CAST(count(*) FILTER (WHERE t.transaction_timestamp >= (l.latest_transaction - INTERVAL '24 hour')) AS integer) AS transactions_24h
    FROM last_tx AS l
    JOIN tx AS t USING (user_id)
    GROUP BY l.user_id, l.latest_transaction
),
amounts AS (
    SELECT
        user_id,
        CAST(('{' || string_agg('"' || replace(replace(replace(replace(replace(CAST(currency AS text), '\', '\\'), '"', '\"'), chr(10), '\n'), chr(13), '\r'), chr(9), '\t') || '"' || ':' || coalesce(regexp_replace(rtrim(CAST(avg_amount AS text), '0'), '\.$', '.0'), 'null'), ',' ORDER BY currency NULLS LAST) || '}') AS text) AS avg_amount_by_currency
    FROM (
        SELECT
            user_id,
            currency,
            CAST((trunc((CAST(avg(amount) AS DOUBLE PRECISION) * power(CAST(10 AS DOUBLE PRECISION), 2)) + sign((CAST(avg(amount) AS DOUBLE PRECISION) * power(CAST(10 AS DOUBLE PRECISION), 2))) * 0.5) / power(CAST(10 AS DOUBLE PRECISION), 2)) AS numeric(12,2)) AS avg_amount
        FROM tx
        GROUP BY user_id, currency
    ) AS __subquery_1
    GROUP BY user_id
),
sessions AS (
    SELECT
        user_id,
        CAST(count(*) AS integer) AS sessions,
        CAST(CAST(avg(CAST(is_conversion AS integer)) AS DOUBLE PRECISION) AS double precision) AS conversion_rate
    FROM gold._elt_staging_user_session_analysis AS user_session_analysis
    WHERE user_id IS NOT NULL
    GROUP BY user_id
),
events AS (
    SELECT
        user_id,
        max(event_timestamp) AS latest_event
    FROM silver._elt_staging_events AS events
    WHERE user_id IS NOT NULL
    GROUP BY user_id
),
users AS (
    SELECT
        user_id
    FROM silver._elt_staging_users AS users
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
LEFT JOIN events AS e USING (user_id);

