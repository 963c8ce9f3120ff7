-- The field rules the generated SQL of every declared source uses, as
-- macros. CSV values arrive as strings (type VARCHAR), so every format
-- shares one set of rules.

-- Each field arrives as a pair: t, its JSON type as a number ({{.VARCHAR}}
-- VARCHAR, {{.BIGINT}} BIGINT, {{.UBIGINT}} UBIGINT, {{.DOUBLE}} DOUBLE, {{.BOOLEAN}} BOOLEAN, {{.NULL}} NULL,
-- {{.OBJECT}} OBJECT, {{.ARRAY}} ARRAY, and {{.STAMP}} a string of a timestamp field Go
-- found of the timestamp shape; SQL NULL when absent: numbers compare faster than
-- names), and s, its text (a string unquoted, a number as written, an
-- object as JSON). Both come from one parse of the line, in Go, so the rules
-- below parse nothing.

-- The contract's trim: leading and trailing spaces (U+0020) only. DuckDB's
-- trim() also takes other Unicode spaces (a no-break space, U+00A0, for
-- one), and trim(s, ' ') costs twice as much; most values have no space at
-- either end and are passed as they are.
CREATE OR REPLACE TEMP MACRO elt_trim(s) AS
    CASE WHEN starts_with(s, ' ') OR ends_with(s, ' ') THEN trim(s, ' ') ELSE s END;

-- spaces: empty or of spaces only. Most values are neither empty nor start
-- with a space, and are answered without the pattern (a third of its cost).
-- The CASE keeps it so under a NOT (elt_text), where DuckDB evaluates an
-- AND's every operand on every row: the pattern then took 0.7 s of
-- ingestion's 19 s at 10M events.
CREATE OR REPLACE TEMP MACRO elt_spaces(s) AS
    s = '' OR CASE WHEN starts_with(s, ' ') THEN regexp_full_match(s, ' *') ELSE false END;

-- blank: absent, JSON null, or a string empty or of spaces only.
CREATE OR REPLACE TEMP MACRO elt_blank(t, s) AS
    t IS NULL OR t = {{.NULL}} OR (t = {{.VARCHAR}} AND elt_spaces(s));

-- identifier: a string as it is, or an integer as its decimal text.
CREATE OR REPLACE TEMP MACRO elt_id(t, s) AS
    CASE WHEN elt_blank(t, s) THEN NULL
         WHEN t IN ({{.VARCHAR}}, {{.BIGINT}}, {{.UBIGINT}}) THEN s
         WHEN t = {{.DOUBLE}} AND regexp_full_match(s, '-?[0-9]+') THEN s
    END;

-- text: a string value not blank, NULL for any other type.
CREATE OR REPLACE TEMP MACRO elt_text(t, s) AS
    CASE WHEN t = {{.VARCHAR}} AND NOT elt_spaces(s) THEN s END;

-- timestamp from text of the contract's shape,
-- YYYY-MM-DD[T| ]HH:MM:SS[.f{1,6}][Z|±HH:MM] (UTC when no zone): the zone,
-- if any, is a final Z or the last six characters (a sign can stand nowhere
-- else after the date). The cast reads T or space, and passes over a zone
-- without applying it (as fast as a plain cast; cutting the zone off and
-- replacing the T first took a third longer).
CREATE OR REPLACE TEMP MACRO elt_ts_shaped(s) AS
    CASE WHEN ends_with(s, 'Z') THEN try_cast(s AS TIMESTAMP)
         WHEN s[-6] IN ('+', '-') THEN try_cast(s AS TIMESTAMP)
              - to_minutes((CASE WHEN s[-6] = '-' THEN -1 ELSE 1 END) * (s[-5:-4]::INTEGER * 60 + s[-2:]::INTEGER))
         ELSE try_cast(s AS TIMESTAMP) END;

-- timestamp from text: of the shape above, or digits only (Unix epoch
-- milliseconds). NULL when invalid. (The shapes exclude each other; the
-- common one is tried first.)
CREATE OR REPLACE TEMP MACRO elt_ts_text(s) AS
    CASE
        WHEN regexp_full_match(s, '{{timestampPattern}}') THEN elt_ts_shaped(s)
        WHEN regexp_full_match(s, '[0-9]+') THEN try(epoch_ms(try_cast(s AS BIGINT)))
    END;

-- timestamp from a field: a string as above, or an integer of epoch ms.
CREATE OR REPLACE TEMP MACRO elt_ts(t, s) AS
    CASE t
        -- Go found the shape (a string of a field rules.Stamped marks, read
        -- by Go): no pattern to match, 8% of ingestion's CPU at 2M events.
        WHEN {{.STAMP}} THEN elt_ts_shaped(s)
        WHEN {{.VARCHAR}} THEN elt_ts_text(s)
        WHEN {{.BIGINT}} THEN try(epoch_ms(try_cast(s AS BIGINT)))
        WHEN {{.UBIGINT}} THEN try(epoch_ms(try_cast(s AS BIGINT)))
    END;
