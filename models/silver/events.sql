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
-- than counting the copies of each; design/performance.md). Written with
-- SEMI and ANTI joins, not WHERE: the model keeps every record's id, and
-- the reconciliation counts what a WHERE or HAVING leaves out as filtered.
WITH copies AS (
    SELECT event_id, count(*) AS n FROM bronze.events GROUP BY event_id
)
SELECT event_id, session_id, user_id, event_type, event_timestamp, properties,
       _file AS source_file, _line AS source_line
FROM bronze.events AS b
ANTI JOIN copies AS c ON c.event_id = b.event_id AND c.n > 1
UNION ALL
SELECT event_id, session_id, user_id, event_type, event_timestamp, properties,
       _file AS source_file, _line AS source_line
FROM bronze.events AS b
SEMI JOIN copies AS c ON c.event_id = b.event_id AND c.n > 1
QUALIFY row_number() OVER (
    PARTITION BY event_id
    ORDER BY event_timestamp DESC, _file DESC, _line DESC
) = 1
