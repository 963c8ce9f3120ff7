package yamledit

import (
	"testing"

	"github.com/digitalservices/elt/internal/contract"
)

// checks suggest --write keeps every comment of the header: one beside a
// flow list of checks (dropped before), and those inside a flow list over
// several lines (moved to another column before, by a rewrite of the whole
// header).
func TestAddChecksKeepsComments(t *testing.T) {
	add := []ColumnCheck{{Check: contract.Check{Kind: "not_null", Column: "a"}, Comment: "40 rows, 0 nulls"}}
	cases := []addChecksCase{
		{"a comment beside a flow list",
			"/*\n# top\ndescription: x # side\ncolumns:\n  - name: a\n    checks: [unique]  # mine\n  - name: b # b's\n*/\nSELECT 1 AS a, 2 AS b\n",
			"/*\n# top\ndescription: x # side\ncolumns:\n  - name: a\n    checks: # mine\n      - unique\n      - not_null # 40 rows, 0 nulls\n  - name: b # b's\n*/\nSELECT 1 AS a, 2 AS b\n"},
		{"a flow list over several lines",
			"/*\ncolumns:\n  - name: a\n    checks: [unique, # one\n      {accepted_values: [x, y]}]  # mine\n    description: kept\n# trailing\n*/\nSELECT 1 AS a\n",
			"/*\ncolumns:\n  - name: a\n    checks: # mine\n      - unique # one\n      - {accepted_values: [x, y]}\n      - not_null # 40 rows, 0 nulls\n    description: kept\n# trailing\n*/\nSELECT 1 AS a\n"},
		{"columns: as a flow list",
			"/*\ndescription: x\ncolumns: [{name: a, checks: [unique]}] # flow\n# trailing\n*/\nSELECT 1 AS a\n",
			"/*\ndescription: x\ncolumns: # flow\n  - name: a\n    checks:\n      - unique\n      - not_null # 40 rows, 0 nulls\n# trailing\n*/\nSELECT 1 AS a\n"},
	}
	checkAddChecks(t, add, cases)
}
