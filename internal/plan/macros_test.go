package plan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
)

// TestMacros: a macro file's statements come from DuckDB's parser; each
// must be CREATE [OR REPLACE] [TEMP] MACRO, made CREATE OR REPLACE; any
// other statement, one hidden behind quoting a hand-written splitter
// misreads (E” and $$ strings), and a text DuckDB cannot parse are errors
// at file:line:col.
func TestMacros(t *testing.T) {
	ms := []project.Macro{{Path: "macros/a.sql", Text: "create macro one() as 1;\nCREATE OR REPLACE TEMP MACRO two() AS 2;\n-- c\nCREATE FUNCTION \"Three\"(x) AS x;\n"}}
	if err := Macros(ms); err != nil {
		t.Fatal(err)
	}
	want := []project.Statement{
		{SQL: "create OR REPLACE macro one() as 1", Line: 1, Name: "one", Shift: 11},
		{SQL: "CREATE OR REPLACE TEMP MACRO two() AS 2", Line: 2, Name: "two", Temp: true},
		{SQL: `CREATE OR REPLACE FUNCTION "Three"(x) AS x`, Line: 4, Name: `"Three"`, Shift: 11},
	}
	if !reflect.DeepEqual(ms[0].Statements, want) {
		t.Errorf("got %+v, want %+v", ms[0].Statements, want)
	}
	if err := Macros(ms); err != nil || len(ms[0].Statements) != 3 {
		t.Errorf("planned twice: %v, %d statements", err, len(ms[0].Statements))
	}
	for _, tc := range []struct{ name, text, want string }{
		{"a SELECT", "-- x\nSELECT 1;\n", "macros/m.sql:2:1: a macro file holds only CREATE MACRO statements"},
		{"E string", "CREATE MACRO m1() AS E'\\''; UPDATE gold.t SET total = 999; DELETE FROM elt.runs; COPY (SELECT 'pwn') TO '/tmp/pwn.csv'; --';",
			"macros/m.sql:1:29: a macro file holds only CREATE MACRO statements"},
		{"dollar quotes", "CREATE MACRO m1() AS $$x$$;\n  UPDATE gold.t SET total = 999; --$$;", "macros/m.sql:2:3: a macro file holds only CREATE MACRO statements"},
		{"the same name twice", "CREATE MACRO to_eur(a, r) AS a * r;\n-- again\nCREATE OR REPLACE MACRO main.TO_EUR(a, r) AS 0;", "macros/m.sql:3:25: macro main.TO_EUR is created again: macros/m.sql:1 creates it first"},
		{"syntax", "CREATE MACRO m1() AS 1;\nCREATE MACRO m2() AS 'x", "macros/m.sql:2:22: Parser Error: unterminated quoted string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Macros([]project.Macro{{Path: "macros/m.sql", Text: tc.text}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// A macro of the same name in two files is refused at the second: it would
// replace the first without a word (every revenue_eur 0, checks passing).
func TestMacrosOfOneName(t *testing.T) {
	err := Macros([]project.Macro{
		{Path: "macros/money.sql", Text: "CREATE MACRO to_eur(amount, rate) AS amount * rate;\n"},
		{Path: "macros/zz.sql", Text: "CREATE MACRO to_eur(a, r) AS 0;\nCREATE TEMP MACRO to_eur(a) AS a;\n"},
	})
	if err == nil || !strings.Contains(err.Error(), "macros/zz.sql:1:14: macro to_eur is created again: macros/money.sql:1 creates it first") || strings.Count(err.Error(), "created again") != 1 {
		t.Errorf("got %v", err)
	}
}

// TestMacroName is the name a call resolves, whatever the schema and quotes.
func TestMacroName(t *testing.T) {
	for in, want := range map[string]string{"lower": "lower", "main.Lower": "lower", `"LOWER"`: "lower", `gold."a.b"`: "a.b", `"x""y"`: `x"y`} {
		if got := MacroName(in); got != want {
			t.Errorf("MacroName(%s) = %s, want %s", in, got, want)
		}
	}
}
