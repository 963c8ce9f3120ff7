package warehouse

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestStatements: statements are separated as DuckDB's parser reads them,
// whatever the quoting (E” escapes, dollar quotes, doubled quotes) or the
// comments; a text it cannot parse is an error at its line and column.
func TestStatements(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []Statement
	}{
		{"two", "CREATE MACRO a(x) AS x;\nCREATE MACRO b(x) AS x + 1;\n",
			[]Statement{{"CREATE MACRO a(x) AS x", 0}, {"CREATE MACRO b(x) AS x + 1", 24}}},
		{"comments and blank lines", "-- one; not a split\n\n/* two;\nlines */\nCREATE MACRO a(x) AS\n  x;  -- trailing\n",
			[]Statement{{"CREATE MACRO a(x) AS\n  x", 38}}},
		{"semicolons in quotes", "CREATE MACRO s() AS 'a;b''c;';\nCREATE MACRO q() AS \"x;y\";",
			[]Statement{{"CREATE MACRO s() AS 'a;b''c;'", 0}, {"CREATE MACRO q() AS \"x;y\"", 31}}},
		{"no final semicolon", "\n\nCREATE MACRO a() AS 1", []Statement{{"CREATE MACRO a() AS 1", 2}}},
		{"empty", " ;\n; -- nothing\n", nil},
		// The payload: an E'' string whose backslash escapes the
		// quote, so DuckDB reads three statements where a splitter that
		// knows only '' reads one.
		{"E string", `CREATE MACRO m1() AS E'\''; UPDATE g.t SET a = 999; COPY (SELECT 'pwn') TO '/tmp/pwn.csv'; --';`,
			[]Statement{{`CREATE MACRO m1() AS E'\''`, 0}, {"UPDATE g.t SET a = 999", 28}, {"COPY (SELECT 'pwn') TO '/tmp/pwn.csv'", 52}}},
		{"dollar quotes", "CREATE MACRO m1() AS $$;$$; DELETE FROM t; --$$;",
			[]Statement{{"CREATE MACRO m1() AS $$;$$", 0}, {"DELETE FROM t", 28}}},
		{"a semicolon in a line comment", "CREATE MACRO a() AS 1 -- x; y\n; CREATE MACRO b() AS 2",
			[]Statement{{"CREATE MACRO a() AS 1 -- x; y", 0}, {"CREATE MACRO b() AS 2", 32}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Statements(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			for _, s := range got {
				if !strings.HasPrefix(tc.text[s.Offset:], s.SQL) {
					t.Errorf("%q is not at offset %d", s.SQL, s.Offset)
				}
			}
		})
	}
	_, err := Statements("CREATE MACRO a() AS 1;\nCREATE MACRO b() AS 'x")
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Line != 2 || qe.Col != 21 || !strings.Contains(qe.Msg, "unterminated quoted string") {
		t.Errorf("an unterminated string: %#v", err)
	}
}
