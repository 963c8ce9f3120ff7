package yamledit

import (
	"testing"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/project"
)

func TestAddChecks(t *testing.T) {
	one := 1.0
	add := []ColumnCheck{
		{Check: contract.Check{Kind: "not_null", Column: "a"}, Comment: "10 rows, 0 nulls"},
		{Check: contract.Check{Kind: "range", Column: "b", Min: &one, Max: &one}},
	}
	cases := []addChecksCase{
		{"no header", "SELECT 1 AS a, 1 AS b\n",
			"/*\ncolumns:\n  - name: a\n    checks:\n      - not_null # 10 rows, 0 nulls\n  - name: b\n    checks:\n      - {range: {min: 1, max: 1}}\n*/\nSELECT 1 AS a, 1 AS b\n"},
		{"no columns yet", "/*\nmaterialized: table # kept\n*/\nSELECT 1 AS a, 1 AS b\n",
			"/*\nmaterialized: table # kept\ncolumns:\n  - name: a\n    checks:\n      - not_null # 10 rows, 0 nulls\n  - name: b\n    checks:\n      - {range: {min: 1, max: 1}}\n*/\nSELECT 1 AS a, 1 AS b\n"},
		{"entries with and without checks, a folded description",
			"/*\ncolumns:\n    - name: a\n      description: >\n        long\n        text\n    # between\n    - name: b\n      checks:\n        - unique # mine\ntags: [x]\n*/\nSELECT 1\n",
			"/*\ncolumns:\n    - name: a\n      description: >\n        long\n        text\n      checks:\n        - not_null # 10 rows, 0 nulls\n    # between\n    - name: b\n      checks:\n        - unique # mine\n        - {range: {min: 1, max: 1}}\ntags: [x]\n*/\nSELECT 1\n"},
		{"a flow list becomes a block",
			"/*\ncolumns:\n  - name: a\n    checks: [unique, {max_null_pct: 5}]\n*/\nSELECT 1\n",
			"/*\ncolumns:\n  - name: a\n    checks:\n      - unique\n      - {max_null_pct: 5}\n      - not_null # 10 rows, 0 nulls\n  - name: b\n    checks:\n      - {range: {min: 1, max: 1}}\n*/\nSELECT 1\n"},
		{"a one-line header is written again", "/* materialized: table */\nSELECT 1\n",
			"/*\nmaterialized: table\ncolumns:\n  - name: a\n    checks:\n      - not_null # 10 rows, 0 nulls\n  - name: b\n    checks:\n      - {range: {min: 1, max: 1}}\n*/\nSELECT 1\n"},
	}
	checkAddChecks(t, add, cases)
}

// addChecksCase is a model file, and the file AddChecks must make of it.
type addChecksCase struct{ name, in, want string }

// checkAddChecks merges add into each case's header and checks the file
// written, and that it loads.
func checkAddChecks(t *testing.T, add []ColumnCheck, cases []addChecksCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := project.ParseModel("models/s/m.sql", "s", "m", tc.in, project.ModelDefaults{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := AddChecks(m, add)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if _, err := project.ParseModel("models/s/m.sql", "s", "m", got, project.ModelDefaults{}); err != nil {
				t.Errorf("the result does not load: %v", err)
			}
		})
	}
}
