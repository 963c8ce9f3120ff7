/*
materialized: incremental
unique_key: event_id
# merging new bronze rows: the first row in this order wins (as in the QUALIFY below)
order_by: event_timestamp DESC, source_file DESC, source_line DESC
description: >
  One row per event_id: the latest state wins (greatest event_timestamp,
  then the latest arrival), so late and re-sent events settle by event time.
tags: [silver]
columns:
  - name: event_id
    checks: [not_null, unique]
  - name: source_file
    description: bronze file of the winning record
  - name: source_line
    description: its line in that file
*/
-- Most events arrive once: only the ids seen more than once go through the
-- window that picks the latest state (sorting every event by id costs more
-- than finding the repeated ones; design/performance.md).
WITH repeated AS (
    SELECT event_id FROM bronze.events GROUP BY event_id HAVING count(*) > 1
)
SELECT event_id, session_id, user_id, event_type, event_timestamp, properties,
       _file AS source_file, _line AS source_line
FROM bronze.events AS b
WHERE NOT EXISTS (SELECT 1 FROM repeated AS r WHERE r.event_id = b.event_id)
UNION ALL
SELECT event_id, session_id, user_id, event_type, event_timestamp, properties,
       _file AS source_file, _line AS source_line
FROM bronze.events AS b
WHERE EXISTS (SELECT 1 FROM repeated AS r WHERE r.event_id = b.event_id)
QUALIFY row_number() OVER (
    PARTITION BY event_id
    ORDER BY event_timestamp DESC, _file DESC, _line DESC
) = 1
