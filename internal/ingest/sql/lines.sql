-- Every non-blank line of this batch of files, with its 1-based line number
-- (line breaks are LF by now). Go has flagged the lines that were not valid
-- UTF-8 (their bad bytes replaced) and, for NDJSON, those that are not one
-- strict JSON object. (unnest and generate_subscripts in one SELECT walk the
-- same list in step; a LATERAL join would copy each file's content once per
-- line.) A view: the rules read it in the same pass.
CREATE OR REPLACE TEMP VIEW elt_lines AS
SELECT _file, _line, s AS _raw,
       list_contains(bad_lines, _line) AS bad_encoding,
       list_contains(malformed_lines, _line) AS malformed
FROM (
    SELECT _file, unnest(ls) AS s, generate_subscripts(ls, 1) AS _line, bad_lines, malformed_lines
    FROM (SELECT _file, string_split(content, chr(10)) AS ls, bad_lines, malformed_lines FROM elt_raw)
)
-- Not blank: some character other than space, tab, VT or FF (a regular
-- expression finds the first at once; trim() with a set is three times as slow).
WHERE regexp_matches(s, '[^ \t\x0b\x0c]');
