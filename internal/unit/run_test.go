package unit

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// shop is a project with a source (bronze.orders), an incremental model
// merging it (silver.orders: the latest version of each order wins), a
// table over that (gold.totals, with the macro the test's setup creates)
// and an incremental model whose merge keeps the oldest version
// (silver.first_orders: its SQL keeps the latest, its order_by the
// oldest, so built whole and as an increment it disagrees).
var shop = map[string]string{
	"elt.yaml": `version: 1
sources:
  orders:
    format: csv
    path: orders
    key: order_id
    fields:
      - {name: order_id, type: id, required: true}
      - {name: customer, type: text}
      - {name: amount, type: decimal(10,2)}
      - {name: updated_at, type: timestamp}
`,
	"models/silver/orders.sql": `/*
materialized: incremental
unique_key: order_id
order_by: updated_at DESC
*/
SELECT order_id, customer, amount, updated_at FROM bronze.orders
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC) = 1
`,
	"models/silver/first_orders.sql": `/*
materialized: incremental
unique_key: order_id
order_by: updated_at ASC
*/
SELECT order_id, amount, updated_at FROM bronze.orders
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC) = 1
`,
	"models/silver/all_orders.sql": `/*
materialized: incremental
unique_key: order_id
order_by: updated_at DESC
*/
SELECT order_id, amount, updated_at FROM bronze.orders
`,
	"macros/cents.sql": "CREATE MACRO cents(x) AS CAST(x * 100 AS BIGINT);\n",
	"models/gold/totals.sql": `/*
materialized: table
*/
SELECT customer, cents(sum(amount)) AS cents, count(*) AS orders FROM silver.orders GROUP BY customer
`,
}

// loadShop writes shop, with the given tests under tests/, and loads it.
func loadShop(t *testing.T, tests map[string]string) (*project.Project, *plan.Graph, []Test) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range shop {
		testutil.WriteFile(t, filepath.Join(dir, name), text)
	}
	for name, text := range tests {
		testutil.WriteFile(t, filepath.Join(dir, Dir, name), text)
	}
	p, g, err := compile.Load(context.Background(), dir, project.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p, g, ts
}

// outcome is a result as a line: how, passed or the diff's sizes, error.
func outcome(r Result) string {
	s := fmt.Sprintf("%s %s: ", r.Model, r.How)
	switch {
	case r.Err != nil:
		return s + "error " + strings.SplitN(r.Err.Error(), "\n", 2)[0] // the excerpt and hint follow
	case r.Passed():
		return s + "passed"
	}
	return s + fmt.Sprintf("-%d +%d", len(r.Missing), len(r.Extra))
}

const (
	// twoVersions: order o1 twice (the later wins), o2 once.
	twoVersions = `given:
  bronze.orders:
    - {order_id: o1, customer: ana, amount: 10, updated_at: "2026-11-01 10:00:00"}
    - {order_id: o2, customer: bo, amount: 5.5, updated_at: "2026-11-01 11:00:00"}
    - {order_id: o1, customer: ana, amount: 12, updated_at: "2026-11-02 09:00:00"}
`
)

// TestRun: a test of a table model runs once (built whole), one of an
// incremental model twice (whole, and first half then the rest as an
// increment); each passes when the model returns exactly the expected
// rows on the expected columns, in any order, and fails otherwise.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"incremental, passing", "model: silver.orders\n" + twoVersions + `expect:
  - {order_id: o2, amount: 5.50, customer: bo}
  - {order_id: o1, amount: 12, customer: ana}
`, []string{"silver.orders whole: passed", "silver.orders as an increment: passed"}},
		// The later version arrives as the increment: a merge that keeps
		// the oldest disagrees with the model's own SQL.
		{"incremental, merge disagrees", "model: silver.first_orders\n" + twoVersions + `expect:
  - {order_id: o1, amount: 12}
  - {order_id: o2, amount: 5.5}
`, []string{"silver.first_orders whole: passed", "silver.first_orders as an increment: -1 +1"}},
		{"increment given", "model: silver.orders\n" + `given:
  bronze.orders:
    - {order_id: o1, customer: ana, amount: 10, updated_at: "2026-11-01 10:00:00"}
increment:
  bronze.orders:
    - {order_id: o1, customer: ana, amount: 9, updated_at: "2026-10-01 00:00:00"}
    - {order_id: o3, customer: cy, amount: 1, updated_at: "2026-11-03 00:00:00"}
expect:
  - {order_id: o1, amount: 10}
`, []string{"silver.orders whole: passed", "silver.orders as an increment: -0 +1"}},
		// A model whose SQL keeps every row: an increment that brings a
		// new key twice stops, as a build does.
		{"increment with a key twice", "model: silver.all_orders\n" + `given:
  bronze.orders:
    - {order_id: o1, customer: ana, amount: 10, updated_at: "2026-11-01 10:00:00"}
increment:
  bronze.orders:
    - {order_id: o3, customer: cy, amount: 1, updated_at: "2026-11-03 00:00:00"}
    - {order_id: o3, customer: cy, amount: 2, updated_at: "2026-11-04 00:00:00"}
expect:
  - {order_id: o1, amount: 10}
`, []string{"silver.all_orders whole: passed", "silver.all_orders as an increment: error tests/t.yaml: silver.all_orders as an increment: " +
			"models/silver/all_orders.sql:3:13: unique_key order_id is not unique in the rows this increment computed of silver.all_orders: 'o3' (2 rows); the test stopped there"}},
		{"table over a model, with the setup's macro", "model: gold.totals\n" + `given:
  silver.orders:
    - {order_id: o1, customer: ana, amount: 12}
    - {order_id: o3, customer: ana, amount: 0.5}
    - {order_id: o2, customer: bo, amount: 5.5}
expect:
  - {customer: ana, cents: 1250, orders: 2}
  - {customer: bo, cents: 550, orders: 1}
`, []string{"gold.totals whole: passed"}},
		{"expect no rows", "model: gold.totals\ngiven: {}\nexpect: []\n", []string{"gold.totals whole: passed"}},
		{"expect no rows, one returned", "model: gold.totals\ngiven:\n  silver.orders:\n    - {order_id: o1, customer: ana, amount: 1}\nexpect: []\n",
			[]string{"gold.totals whole: -0 +1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, g, tests := loadShop(t, map[string]string{"t.yaml": tc.yaml})
			var got []string
			for _, r := range Run(context.Background(), p, g, tests[0]) {
				if r.Test != "tests/t.yaml" {
					t.Errorf("the result names test %q", r.Test)
				}
				got = append(got, outcome(r))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// TestRunDiffReport: a failing test reports, for each way it was built,
// the expected rows not returned (Missing) and the rows returned not
// expected (Extra), each as its expected columns in name order, after the
// totals, and Report counts it.
func TestRunDiffReport(t *testing.T) {
	p, g, tests := loadShop(t, map[string]string{"orders.yaml": "model: silver.orders\n" + twoVersions + `expect:
  - {order_id: o1, amount: 10}
  - {order_id: o2, amount: 5.5, updated_at: null}
`})
	rs := Run(context.Background(), p, g, tests[0])
	var rec event.Recorder
	if failed := Report(&rec, rs); failed != 2 {
		t.Errorf("Report counts %d failed, want 2", failed)
	}
	missing := []string{"amount=10.00 order_id=o1 updated_at=NULL", "amount=5.50 order_id=o2 updated_at=NULL"}
	extra := []string{"amount=12.00 order_id=o1 updated_at=2026-11-02 09:00:00", "amount=5.50 order_id=o2 updated_at=2026-11-01 11:00:00"}
	want := []event.Event{
		event.UnitTests{Passed: 0, Failed: 2},
		event.UnitTestResult{Test: "tests/orders.yaml", Model: "silver.orders", How: "whole", Missing: missing, Extra: extra},
		event.UnitTestResult{Test: "tests/orders.yaml", Model: "silver.orders", How: "as an increment", Missing: missing, Extra: extra},
	}
	if got := rec.Events(); !reflect.DeepEqual(got, want) {
		t.Errorf("Report said\n%+v\nwant\n%+v", got, want)
	}
}

// TestRunMistakes: a test that cannot run says why, naming its file.
func TestRunMistakes(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"no such model", "model: silver.nope\ngiven: {}\nexpect: []\n", "tests/t.yaml: no model silver.nope in this project"},
		{"input not read", "model: gold.totals\ngiven:\n  bronze.orders: []\nexpect: []\n", "tests/t.yaml: given: bronze.orders is not read by gold.totals (it reads silver.orders)"},
		{"input not in the project", "model: gold.totals\ngiven:\n  silver.nope: []\nexpect: []\n", "tests/t.yaml: given: silver.nope is not a model or source of this project"},
		{"no such input column", "model: silver.orders\ngiven:\n  bronze.orders:\n    - {order_id: o1, colour: red}\nexpect: []\n", `tests/t.yaml: given bronze.orders: row 1: no column "colour"`},
		{"no such expected column", "model: gold.totals\ngiven: {}\nexpect:\n  - {customer: ana, total: 1}\n", `tests/t.yaml: expect: gold.totals has no column "total"`},
		{"a value of the wrong type", "model: gold.totals\ngiven:\n  silver.orders:\n    - {order_id: o1, amount: lots}\nexpect: []\n", "tests/t.yaml: given silver.orders:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, g, tests := loadShop(t, map[string]string{"t.yaml": tc.yaml})
			rs := Run(context.Background(), p, g, tests[0])
			if rs[0].Err == nil || !strings.HasPrefix(rs[0].Err.Error(), tc.want) {
				t.Fatalf("%s, want an error beginning %q", outcome(rs[0]), tc.want)
			}
		})
	}
}

// TestLoad: tests are read from tests/ in path order (files other than
// YAML ignored); Names groups them by model, whatever the case the test
// names it in.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"tests/b.yaml":       "model: Silver.Orders\nexpect: []\n",
		"tests/a/c.yml":      "model: gold.totals\ndescription: nested\nexpect: []\n",
		"tests/a.yaml":       "model: silver.orders\nexpect: []\n",
		"tests/README.md":    "not a test",
		"tests/notes.yaml~":  "model: x\n",
		"models/x/y.sql":     "SELECT 1",
		"elsewhere/t.yaml":   "model: nowhere\n",
		"tests/a/empty.yaml": "model: gold.totals\n",
	} {
		testutil.WriteFile(t, filepath.Join(dir, name), text)
	}
	ts, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, x := range ts {
		paths = append(paths, x.Path)
	}
	if want := []string{"tests/a.yaml", "tests/a/c.yml", "tests/a/empty.yaml", "tests/b.yaml"}; !slices.Equal(paths, want) {
		t.Fatalf("loaded %v, want %v", paths, want)
	}
	names, err := Names(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(names); got != "map[gold.totals:[tests/a/c.yml tests/a/empty.yaml] silver.orders:[tests/a.yaml tests/b.yaml]]" {
		t.Fatalf("Names: %s", got)
	}
}

// TestLoadBadFile: a test file that is not a unit test is reported at
// path:line:col, with its line and a caret under the mistake, and every
// mistake of the file at once.
func TestLoadBadFile(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "model: silver.orders\ngivn: {}\nexpect: []\n", `tests/bad.yaml:2:1: not a unit test: unknown key "givn" (known keys: description, expect, given, increment, model)
     2 | givn: {}
       | ^
  hint: a unit test has model:, given: (rows by input) and expect: (rows)`},
		{"two mistakes", "model: silver.orders\nexpect:\n  - {order_id: o1}\nexpectt: []\ndescription: [a, b]\n", `tests/bad.yaml:4:1: not a unit test: unknown key "expectt" (known keys: description, expect, given, increment, model)
     4 | expectt: []
       | ^
tests/bad.yaml:5:1: not a unit test: expected a text value, found a list
     5 | description: [a, b]
       | ^
  hint: a unit test has model:, given: (rows by input) and expect: (rows)`},
		{"rows not a list", "model: silver.orders\ngiven:\n  bronze.orders: {order_id: o1}\nexpect: []\n", `tests/bad.yaml:3:3: not a unit test: expected a list, found a mapping
     3 |   bronze.orders: {order_id: o1}
       |   ^
  hint: a unit test has model:, given: (rows by input) and expect: (rows)`},
		{"not YAML", "model: silver.orders\ngiven: [\n", `tests/bad.yaml:2: not a unit test: invalid YAML: did not find expected node content
     2 | given: [
  hint: a unit test has model:, given: (rows by input) and expect: (rows)`},
		{"no model", "given: {}\nexpect: []\n", `tests/bad.yaml: model: is missing: name the model this test runs (schema.name)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			testutil.WriteFile(t, filepath.Join(dir, "tests", "bad.yaml"), tc.yaml)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load took it")
			}
			if d := testutil.Diff("want", tc.want+"\n", "got", err.Error()+"\n"); d != "" {
				t.Error(d)
			}
		})
	}
}
