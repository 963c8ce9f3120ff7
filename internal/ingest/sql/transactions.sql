-- Contract rules for transactions: fields: [transaction_id, session_id, user_id,
-- amount, currency, status, transaction_timestamp].
CREATE OR REPLACE TEMP TABLE elt_checked AS
SELECT file, line, raw,
       coalesce(bad, CASE
            WHEN elt_id(t[1], s[1]) IS NULL THEN 'missing_transaction_id'
            WHEN elt_id(t[2], s[2]) IS NULL THEN 'missing_session_id'
            WHEN elt_blank(t[4], s[4]) THEN 'missing_amount'
            WHEN elt_blank(t[5], s[5]) THEN 'missing_currency'
            WHEN elt_blank(t[7], s[7]) THEN 'missing_transaction_timestamp'
            WHEN elt_ts(t[7], s[7]) IS NULL THEN 'invalid_timestamp'
            WHEN amount IS NULL THEN 'invalid_amount'
            WHEN NOT coalesce(regexp_full_match(currency, '[A-Z]{3}'), false) THEN 'invalid_currency'
            WHEN coalesce(status NOT IN ('completed', 'failed', 'pending'), true) THEN 'invalid_status'
       END) AS reason,
       elt_id(t[1], s[1]) AS transaction_id,
       elt_id(t[2], s[2]) AS session_id,
       elt_id(t[3], s[3]) AS user_id,
       amount, currency, status,
       elt_ts(t[7], s[7]) AS transaction_timestamp
FROM (
    SELECT *,
           CASE WHEN regexp_full_match(trim(elt_text(t[4], s[4]), ' '), '-?[0-9]+(\.[0-9]{1,2})?')
                 AND abs(try_cast(trim(elt_text(t[4], s[4]), ' ') AS DECIMAL(38, 2))) < 100000000
                THEN trim(elt_text(t[4], s[4]), ' ')::DECIMAL(10, 2) END AS amount,
           upper(trim(elt_text(t[5], s[5]), ' ')) AS currency,
           coalesce(nullif(lower(trim(elt_text(t[6], s[6]), ' ')), ''), 'completed') AS status
    FROM elt_records
);

INSERT INTO {{.Table}} (transaction_id, session_id, user_id, amount, currency, status, transaction_timestamp, _file, _line, _run_id)
SELECT transaction_id, session_id, user_id, amount, currency, status, transaction_timestamp, file, line, {{.RunID}}
FROM elt_checked WHERE reason IS NULL;
