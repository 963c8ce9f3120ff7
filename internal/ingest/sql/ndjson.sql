-- NDJSON: each line must be one JSON object; its fields are picked by path,
-- as a list of JSON types and a list of texts (one parse each).
CREATE OR REPLACE TEMP TABLE elt_records AS
SELECT file, line, raw,
       CASE WHEN bad_encoding THEN 'invalid_encoding' WHEN NOT object THEN 'malformed_json' END AS bad,
       CASE WHEN object THEN json_type(raw, {{.Paths}}) END AS t,
       CASE WHEN object THEN json_extract_string(raw, {{.Paths}}) END AS s
FROM (
    SELECT *, NOT bad_encoding AND regexp_matches(raw, '^[ \t]*\{') AND json_valid(raw) AS object
    FROM elt_lines
);
