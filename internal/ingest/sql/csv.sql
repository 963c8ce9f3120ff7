-- CSV: Go has split each file into records (RFC 4180, quoted line breaks)
-- and matched the header, one JSON line a record: [line, raw, reason,
-- [value of each declared field or null]]. A value present has type VARCHAR.
CREATE OR REPLACE TEMP VIEW elt_records AS
SELECT _file, (r->>0)::BIGINT AS _line, r->>1 AS _raw, r->>2 AS _bad,
       list_transform(s, v -> CASE WHEN v IS NOT NULL THEN 'VARCHAR' END) AS _t, s AS _s
FROM (
    SELECT _file, r, CAST(r->'$[3]' AS VARCHAR[]) AS s
    FROM (SELECT _file, nullif(unnest(string_split(content, chr(10))), '')::JSON AS r FROM elt_raw)
    WHERE r IS NOT NULL
);
