-- NDJSON: each line must be one JSON object; its fields are picked by path.
CREATE OR REPLACE TEMP TABLE elt_records AS
SELECT file, line, raw,
       CASE WHEN bad_encoding THEN 'invalid_encoding'
            WHEN NOT (regexp_matches(raw, '^[ \t]*\{') AND json_valid(raw)) THEN 'malformed_json'
       END AS bad,
       CASE WHEN NOT bad_encoding AND regexp_matches(raw, '^[ \t]*\{') AND json_valid(raw)
            THEN json_extract(raw, {{.Paths}}) END AS v
FROM elt_lines;
