-- The baseline `make bench` measures elt against: DuckDB itself computing the
-- same silver, gold and Parquet export from the same (clean) bronze files in
-- one hand-written script, with no line tracking, quarantine, checks,
-- reconciliation or run history. {{bronze}} and {{out}} are filled in.
-- It builds the same tables as the project's models (the three gold ones
-- too), and TestBaselineComputesTheSame checks that their rows are elt's.
SET TimeZone = 'UTC';
CREATE SCHEMA silver;
CREATE SCHEMA gold;

CREATE TABLE silver.events AS
SELECT event_id, session_id, user_id, lower(trim(event_type)) AS event_type,
       event_timestamp::TIMESTAMPTZ::TIMESTAMP AS event_timestamp, properties
FROM read_json('{{bronze}}/events/**/*.json', format = 'newline_delimited', filename = true,
               columns = {event_id: 'VARCHAR', session_id: 'VARCHAR', user_id: 'VARCHAR',
                          event_type: 'VARCHAR', event_timestamp: 'VARCHAR', properties: 'JSON'})
QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY event_timestamp DESC, filename DESC) = 1;

CREATE TABLE silver.transactions AS
SELECT transaction_id, session_id, user_id, amount::DECIMAL(10, 2) AS amount, upper(trim(currency)) AS currency,
       coalesce(nullif(lower(trim(status)), ''), 'completed') AS status,
       transaction_timestamp::TIMESTAMPTZ::TIMESTAMP AS transaction_timestamp
FROM read_csv('{{bronze}}/transactions/**/*.csv', union_by_name = true, filename = true, all_varchar = true)
QUALIFY row_number() OVER (PARTITION BY transaction_id ORDER BY transaction_timestamp DESC, filename DESC) = 1;

CREATE TABLE silver.users AS
SELECT user_id, upper(trim(country)) AS country, lower(trim(device)) AS device,
       try_cast(signup_date AS DATE) AS signup_date, updated_at::TIMESTAMPTZ::TIMESTAMP AS updated_at
FROM read_csv('{{bronze}}/users/**/*.csv', union_by_name = true, filename = true, all_varchar = true)
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY updated_at DESC NULLS LAST, filename DESC) = 1;

CREATE TABLE gold.fraud_velocity_alerts AS
WITH tx AS (
    SELECT transaction_id, user_id, status, transaction_timestamp FROM silver.transactions WHERE user_id IS NOT NULL
)
SELECT t.transaction_id, t.user_id, t.transaction_timestamp,
       count(*)::INTEGER AS transactions_in_window, count(*) FILTER (WHERE w.status = 'failed')::INTEGER AS failed_in_window
FROM tx AS t
JOIN tx AS w ON w.user_id = t.user_id
 AND w.transaction_timestamp BETWEEN t.transaction_timestamp - INTERVAL 60 SECOND AND t.transaction_timestamp
GROUP BY t.transaction_id, t.user_id, t.transaction_timestamp
HAVING count(*) > 3;

CREATE TABLE gold.user_session_analysis AS
WITH sessions AS (
    SELECT session_id, min(event_timestamp) AS session_start_time, count(*) AS total_events,
           arg_min(user_id, (event_timestamp, event_id)) FILTER (WHERE user_id IS NOT NULL) AS user_id
    FROM silver.events GROUP BY session_id
),
main_event_type AS (
    SELECT session_id, event_type
    FROM (SELECT session_id, event_type, count(*) AS n, min(event_timestamp) AS first_seen
          FROM silver.events GROUP BY session_id, event_type)
    QUALIFY row_number() OVER (PARTITION BY session_id ORDER BY n DESC, first_seen, event_type) = 1
),
chosen_transaction AS (
    SELECT session_id, transaction_id, user_id, amount, currency FROM silver.transactions
    WHERE status = 'completed'
    QUALIFY row_number() OVER (PARTITION BY session_id ORDER BY transaction_timestamp DESC, transaction_id DESC) = 1
)
SELECT s.session_id::VARCHAR(50) AS session_id, coalesce(s.user_id, t.user_id)::VARCHAR(50) AS user_id,
       u.country::VARCHAR(50) AS user_country, u.device::VARCHAR(50) AS user_device,
       s.session_start_time::TIMESTAMP AS session_start_time, s.total_events::INTEGER AS total_events,
       m.event_type::VARCHAR(100) AS event_type, t.transaction_id::VARCHAR(50) AS transaction_id,
       t.amount::DECIMAL(10, 2) AS amount, t.currency::VARCHAR(3) AS currency,
       (t.transaction_id IS NOT NULL)::BOOLEAN AS is_conversion
FROM sessions AS s
JOIN main_event_type AS m USING (session_id)
LEFT JOIN chosen_transaction AS t USING (session_id)
LEFT JOIN silver.users AS u ON u.user_id = coalesce(s.user_id, t.user_id)
ORDER BY s.session_start_time, s.session_id;

CREATE TABLE gold.user_features AS
WITH tx AS (
    SELECT user_id, transaction_timestamp, amount, currency FROM silver.transactions WHERE user_id IS NOT NULL
),
last_tx AS (SELECT user_id, max(transaction_timestamp) AS latest_transaction FROM tx GROUP BY user_id),
windows AS (
    SELECT l.user_id, l.latest_transaction,
           count(*) FILTER (WHERE t.transaction_timestamp >= l.latest_transaction - INTERVAL 1 MINUTE)::INTEGER AS transactions_1m,
           count(*) FILTER (WHERE t.transaction_timestamp >= l.latest_transaction - INTERVAL 1 HOUR)::INTEGER AS transactions_1h,
           count(*) FILTER (WHERE t.transaction_timestamp >= l.latest_transaction - INTERVAL 24 HOUR)::INTEGER AS transactions_24h
    FROM last_tx AS l JOIN tx AS t USING (user_id) GROUP BY l.user_id, l.latest_transaction
),
amounts AS (
    SELECT user_id, to_json(map(list(currency ORDER BY currency), list(avg_amount ORDER BY currency)))::VARCHAR AS avg_amount_by_currency
    FROM (SELECT user_id, currency, round(avg(amount), 2)::DECIMAL(12, 2) AS avg_amount FROM tx GROUP BY user_id, currency)
    GROUP BY user_id
),
sessions AS (
    SELECT user_id, count(*)::INTEGER AS sessions, avg(is_conversion::INTEGER)::DOUBLE AS conversion_rate
    FROM gold.user_session_analysis WHERE user_id IS NOT NULL GROUP BY user_id
),
events AS (SELECT user_id, max(event_timestamp) AS latest_event FROM silver.events WHERE user_id IS NOT NULL GROUP BY user_id),
users AS (
    SELECT user_id FROM silver.users UNION SELECT user_id FROM events UNION SELECT user_id FROM last_tx UNION SELECT user_id FROM sessions
)
SELECT u.user_id, coalesce(w.transactions_1m, 0) AS transactions_1m, coalesce(w.transactions_1h, 0) AS transactions_1h,
       coalesce(w.transactions_24h, 0) AS transactions_24h, w.latest_transaction, coalesce(s.sessions, 0) AS sessions,
       coalesce(s.conversion_rate, 0) AS conversion_rate, a.avg_amount_by_currency, e.latest_event
FROM users AS u
LEFT JOIN windows AS w USING (user_id)
LEFT JOIN amounts AS a USING (user_id)
LEFT JOIN sessions AS s USING (user_id)
LEFT JOIN events AS e USING (user_id);

COPY (SELECT *, session_start_time::DATE AS dt FROM gold.user_session_analysis)
TO '{{out}}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt), FILENAME_PATTERN 'data_{i}');
