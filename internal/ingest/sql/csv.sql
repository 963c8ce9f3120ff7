-- CSV: the first line of each file is its header; columns are matched by
-- name (case-insensitive); a value present has type VARCHAR.
CREATE OR REPLACE TEMP TABLE elt_headers AS
SELECT file, line AS header_line, len(cols) AS ncols,
       list_transform({{.Names}}, n -> list_position(cols, n)) AS idx
FROM (
    SELECT file, line, list_transform(elt_csv_fields(elt_csv_match(raw)), c -> lower(trim(c, ' '))) AS cols
    FROM elt_lines
    WHERE (file, line) IN (SELECT (file, min(line)) FROM elt_lines GROUP BY file)
);

CREATE OR REPLACE TEMP TABLE elt_records AS
SELECT file, line, raw,
       CASE WHEN bad_encoding THEN 'invalid_encoding'
            WHEN NOT elt_csv_ok(m, raw) OR len(m) <> ncols THEN 'wrong_column_count'
       END AS bad,
       list_transform(idx, i -> CASE WHEN i IS NOT NULL THEN 'VARCHAR' END) AS t,
       list_transform(idx, i -> elt_csv_fields(m)[i]) AS s
FROM (
    SELECT l.file, l.line, l.raw, l.bad_encoding, h.ncols, h.idx, elt_csv_match(l.raw) AS m
    FROM elt_lines AS l
    JOIN elt_headers AS h ON h.file = l.file AND l.line > h.header_line
);
