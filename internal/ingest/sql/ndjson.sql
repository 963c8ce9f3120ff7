-- NDJSON: each line must be one JSON object as RFC 8259 defines it (DuckDB's
-- reader also takes NaN, Infinity and trailing commas: elt_json_strict
-- refuses them; a key repeated at the top level is refused too). Its fields
-- are picked by path, as a list of JSON types and a list of texts.
CREATE OR REPLACE TEMP TABLE elt_records AS
SELECT _file, _line, _raw,
       CASE WHEN bad_encoding THEN 'invalid_encoding' WHEN NOT object THEN 'malformed_json' END AS _bad,
       CASE WHEN object THEN json_type(_raw, {{.Paths}}) END AS _t,
       CASE WHEN object THEN json_extract_string(_raw, {{.Paths}}) END AS _s
FROM (
    SELECT *, CASE WHEN bad_encoding OR NOT regexp_matches(_raw, '^[ \t]*\{') OR NOT coalesce(try(json_valid(_raw)), false) THEN false
                   ELSE elt_json_strict(_raw) END AS object
    FROM elt_lines
);
