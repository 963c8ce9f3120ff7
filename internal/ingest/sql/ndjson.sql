-- NDJSON: each line must be one JSON object as RFC 8259 defines it. Go has
-- checked that strictly (DuckDB's reader also takes NaN, Infinity and
-- trailing commas, and keeps a key repeated at the top level); DuckDB must
-- be able to read it too. The fields are picked by path, as a list of JSON
-- types and a list of texts.
CREATE OR REPLACE TEMP VIEW elt_records AS
SELECT _file, _line, _raw,
       CASE WHEN bad_encoding THEN 'invalid_encoding' WHEN NOT object THEN 'malformed_json' END AS _bad,
       CASE WHEN object THEN json_type(_raw, {{.Paths}}) END AS _t,
       CASE WHEN object THEN json_extract_string(_raw, {{.Paths}}) END AS _s
FROM (
    SELECT *, CASE WHEN bad_encoding OR malformed THEN false ELSE json_valid(_raw) END AS object
    FROM elt_lines
);
