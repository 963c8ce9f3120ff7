-- Every non-blank line of this batch of files, with its 1-based line number.
-- Lines that were not valid UTF-8 arrive with their bad bytes replaced and
-- are flagged; a CR before the LF is dropped. (unnest and generate_subscripts
-- in one SELECT walk the same list in step; a LATERAL join would copy each
-- file's content once per line.)
CREATE OR REPLACE TEMP TABLE elt_lines AS
SELECT file, line, rtrim(s, chr(13)) AS raw, coalesce(list_contains(bad_lines, line), false) AS bad_encoding
FROM (
    SELECT file, unnest(ls) AS s, generate_subscripts(ls, 1) AS line, bad_lines
    FROM (SELECT file, string_split(content, chr(10)) AS ls, bad_lines FROM elt_raw)
)
WHERE trim(s, ' ' || chr(9) || chr(13) || chr(11) || chr(12)) <> '';
