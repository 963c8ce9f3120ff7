-- Every non-blank line of this batch of files, with its 1-based line number.
-- Lines that were not valid UTF-8 arrive with their bytes replaced and are
-- flagged; the raw text keeps CR-free line content.
CREATE OR REPLACE TEMP TABLE elt_lines AS
SELECT r.file, t.n AS line, rtrim(t.s, chr(13)) AS raw, coalesce(list_contains(r.bad_lines, t.n), false) AS bad_encoding
FROM elt_raw AS r, unnest(string_split(r.content, chr(10))) WITH ORDINALITY AS t(s, n)
WHERE trim(t.s, ' ' || chr(9) || chr(13) || chr(11) || chr(12)) <> '';
