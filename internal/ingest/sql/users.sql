-- Contract rules for users: fields: [user_id, country, device, signup_date, updated_at].
CREATE OR REPLACE TEMP TABLE elt_checked AS
SELECT file, line, raw,
       coalesce(bad, CASE
            WHEN elt_id(t[1], s[1]) IS NULL THEN 'missing_user_id'
            WHEN NOT elt_blank(t[5], s[5]) AND elt_ts(t[5], s[5]) IS NULL THEN 'invalid_timestamp'
       END) AS reason,
       elt_id(t[1], s[1]) AS user_id,
       nullif(upper(trim(elt_text(t[2], s[2]), ' ')), '') AS country,
       nullif(lower(trim(elt_text(t[3], s[3]), ' ')), '') AS device,
       CASE WHEN regexp_full_match(elt_text(t[4], s[4]), '[0-9]{4}-[0-9]{2}-[0-9]{2}')
            THEN try_cast(elt_text(t[4], s[4]) AS DATE) END AS signup_date,
       CASE WHEN NOT elt_blank(t[5], s[5]) THEN elt_ts(t[5], s[5]) END AS updated_at
FROM elt_records;

INSERT INTO {{.Table}} (user_id, country, device, signup_date, updated_at, _file, _line, _run_id)
SELECT user_id, country, device, signup_date, updated_at, file, line, {{.RunID}}
FROM elt_checked WHERE reason IS NULL;
