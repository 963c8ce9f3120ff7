-- Every non-blank line of this batch of files, with its 1-based line number
-- (line breaks are LF by now). Lines that were not valid UTF-8 arrive with
-- their bad bytes replaced and are flagged. (unnest and generate_subscripts
-- in one SELECT walk the same list in step; a LATERAL join would copy each
-- file's content once per line.)
CREATE OR REPLACE TEMP TABLE elt_lines AS
SELECT _file, _line, s AS _raw, coalesce(list_contains(bad_lines, _line), false) AS bad_encoding
FROM (
    SELECT _file, unnest(ls) AS s, generate_subscripts(ls, 1) AS _line, bad_lines
    FROM (SELECT _file, string_split(content, chr(10)) AS ls, bad_lines FROM elt_raw)
)
WHERE trim(s, ' ' || chr(9) || chr(11) || chr(12)) <> '';
