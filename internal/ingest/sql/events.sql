-- Contract rules for events: fields [event_id, session_id, user_id,
-- event_type, event_timestamp, properties]. Each field is typed once; the
-- first broken rule names the reason.
CREATE OR REPLACE TEMP TABLE elt_checked AS
SELECT file, line, raw,
       coalesce(bad, CASE
            WHEN event_id IS NULL THEN 'missing_event_id'
            WHEN session_id IS NULL THEN 'missing_session_id'
            WHEN nullif(event_type, '') IS NULL THEN 'missing_event_type'
            WHEN ts_blank THEN 'missing_event_timestamp'
            WHEN event_timestamp IS NULL THEN 'invalid_timestamp'
       END) AS reason,
       event_id, session_id, user_id, event_type, event_timestamp, properties
FROM (
    SELECT file, line, raw, bad,
           elt_id(t[1], s[1]) AS event_id,
           elt_id(t[2], s[2]) AS session_id,
           elt_id(t[3], s[3]) AS user_id,
           lower(trim(elt_text(t[4], s[4]), ' ')) AS event_type,
           elt_blank(t[5], s[5]) AS ts_blank,
           elt_ts(t[5], s[5]) AS event_timestamp,
           CASE WHEN t[6] IS NOT NULL THEN CASE WHEN t[6] = 'VARCHAR' THEN to_json(s[6]) ELSE s[6]::JSON END END AS properties
    FROM elt_records
);

INSERT INTO {{.Table}} (event_id, session_id, user_id, event_type, event_timestamp, properties, _file, _line, _run_id)
SELECT event_id, session_id, user_id, event_type, event_timestamp, properties, file, line, {{.RunID}}
FROM elt_checked WHERE reason IS NULL;
