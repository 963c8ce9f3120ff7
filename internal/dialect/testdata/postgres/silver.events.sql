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
    FROM bronze.events
) AS __qualify
WHERE __qualify_1 = 1
