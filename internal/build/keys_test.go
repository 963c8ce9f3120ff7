package build

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestOrderByBronzeColumnsOnIncrement: order_by _file DESC, _line DESC works
// on increments when the model returns _file and _line (build, add a file,
// build again), and gives what a full refresh gives.
func TestOrderByBronzeColumnsOnIncrement(t *testing.T) {
	dir := testutil.SmallOrdersProject(t, map[string]string{"silver/orders.sql": `/*
materialized: incremental
unique_key: order_id
order_by: _file DESC, _line DESC
*/
SELECT order_id, amount, day, _file, _line FROM bronze.orders
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY _file DESC, _line DESC) = 1
`})
	p := loadProject(t, dir, "", "")
	mustBuild(t, p, Options{})
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "orders", "b.csv"), "order_id,amount,day\no1,9.00,2026-01-01\no4,5.00,2026-01-04\n")
	if got := built(mustBuild(t, p, Options{}))["silver.orders"]; got != "incremental" {
		t.Fatalf("the second build built silver.orders %q, not an increment", got)
	}
	const q = "SELECT order_id, amount FROM silver.orders ORDER BY order_id"
	const want = "order_id,amount\no1,9.00\no2,2.00\no3,-3.00\no4,5.00\n"
	if got := queryProject(t, p, q); got != want {
		t.Fatalf("after the increment:\n%s\nwant\n%s", got, want)
	}
	mustBuild(t, p, Options{FullRefresh: true})
	if got := queryProject(t, p, q); got != want {
		t.Fatalf("after a full refresh:\n%s\nwant\n%s", got, want)
	}
}

// TestUniqueKeyCheckedOnEveryBuild: an incremental model whose rows share a
// unique_key value fails its build, whole or as an increment (from sources,
// merged; from models, recomputed), at the header's unique_key with the
// keys and their counts, and nothing is published; before, an increment
// kept one row per key silently while a full build kept them all.
func TestUniqueKeyCheckedOnEveryBuild(t *testing.T) {
	cases := []struct {
		name   string
		models map[string]string
		// extra is the second bronze file, whose rows make the keys repeat.
		extra, model, want string
	}{
		{
			name: "merged from a source",
			models: map[string]string{"silver/lines.sql": "/*\nmaterialized: incremental\nunique_key: order_id\norder_by: day DESC\n*/\n" +
				"SELECT order_id, amount, day FROM bronze.orders\n"},
			extra: "order_id,amount,day\no7,1.00,2026-01-05\no7,2.00,2026-01-06\no8,1.00,2026-01-06\n",
			model: "silver.lines",
			want:  "models/silver/lines.sql:3:13: unique_key order_id is not unique in the rows this increment computed of silver.lines: 'o7' (2 rows)",
		},
		{
			name: "recomputed from a model",
			models: map[string]string{
				"silver/lines.sql": "/*\nmaterialized: incremental\nunique_key: order_id\norder_by: day DESC\n*/\n" +
					"SELECT order_id, amount, day FROM bronze.orders QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY day DESC) = 1\n",
				"gold/parts.sql": "/*\nmaterialized: incremental\nunique_key: order_id\naffected_keys: SELECT order_id FROM changes_silver__lines\n*/\n" +
					"SELECT order_id, unnest(CASE WHEN amount > 5 THEN [1, 2] ELSE [1] END) AS part FROM silver.lines\n",
			},
			extra: "order_id,amount,day\no7,9.00,2026-01-05\n",
			model: "gold.parts",
			want:  "models/gold/parts.sql:3:13: unique_key order_id is not unique in the rows this increment computed of gold.parts: 'o7' (2 rows)",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := testutil.SmallOrdersProject(t, c.models)
			// The first file repeats o1: keep one row of it for the first build.
			testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "orders", "a.csv"), "order_id,amount,day\no1,1.00,2026-01-01\no2,2.00,2026-01-02\n")
			p := loadProject(t, dir, "", "")
			mustBuild(t, p, Options{})
			count := "SELECT count(*) AS n FROM " + c.model
			before := queryProject(t, p, count)
			testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "orders", "b.csv"), c.extra)
			for _, full := range []bool{false, true} {
				err := buildErr(t, dir, Options{FullRefresh: full})
				want := c.want
				if full {
					want = strings.Replace(want, "the rows this increment computed", "the model's rows", 1)
				}
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("build (full refresh %v): got %v, want %q", full, err, want)
				}
				if got := queryProject(t, p, count); got != before {
					t.Fatalf("build (full refresh %v) published: %s rows, before %s", full, got, before)
				}
			}
		})
	}
}

// TestNullKeyRowsCheckedOnIncrement: a row whose unique_key is NULL is in no
// change set (NULL matches no key), yet a merge inserts it; after an
// increment, the not_null checks that were clean at the last build still
// see it, on the key and on another column, and nothing is published.
func TestNullKeyRowsCheckedOnIncrement(t *testing.T) {
	dir := testutil.SmallOrdersProject(t, map[string]string{"silver/lines.sql": "/*\nmaterialized: incremental\nunique_key: order_id\norder_by: day DESC\n" +
		"columns:\n  - name: order_id\n    checks: [not_null, unique]\n  - name: day\n    checks: [not_null]\n*/\n" +
		"SELECT nullif(order_id, 'o9') AS order_id, amount, day FROM bronze.orders\n"})
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "orders", "a.csv"), "order_id,amount,day\no1,1.00,2026-01-01\no2,2.00,2026-01-02\n")
	p := loadProject(t, dir, "", "")
	mustBuild(t, p, Options{})
	const q = "SELECT * FROM silver.lines ORDER BY ALL"
	before := queryProject(t, p, q)
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "orders", "b.csv"), "order_id,amount,day\no9,9.00,\no2,5.00,2026-01-05\n")
	db, err := state.Open(context.Background(), p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := (&Builder{Project: p, DB: db}).Run(context.Background(), Options{})
	db.Close()
	if cf, ok := errors.AsType[*ChecksFailed](err); !ok || cf.Failed != 2 || sum == nil {
		t.Fatalf("build: got %v, want 2 blocking checks failed", err)
	}
	if got := built(sum)["silver.lines"]; got != "incremental" {
		t.Fatalf("built silver.lines %q, not an increment", got)
	}
	var fails []string
	for _, r := range sum.Checks {
		if !r.Passed {
			fails = append(fails, fmt.Sprintf("%s %d of %d", r.Label, r.Failing, r.Total))
		}
	}
	if want := []string{"not_null(order_id) 1 of 3", "not_null(day) 1 of 3"}; !slices.Equal(fails, want) {
		t.Errorf("failed checks %q, want %q", fails, want)
	}
	if got := queryProject(t, p, q); got != before {
		t.Errorf("published:\n%s\nbefore:\n%s", got, before)
	}
}

// TestNullKeyIncrementEqualsFull: a model whose unique_key can be NULL
// keeps one NULL-key row, as its SQL does over all of bronze: each
// increment's NULL-key row competes with the stored one under order_by,
// as any other key's rows do, and a recomputed model whose affected_keys
// return NULL (lines without a day) recomputes its NULL-key row; so
// building file by file equals one build of every file.
func TestNullKeyIncrementEqualsFull(t *testing.T) {
	models := map[string]string{"silver/lines.sql": "/*\nmaterialized: incremental\nunique_key: order_id\norder_by: day DESC, amount DESC\n*/\n" +
		"SELECT nullif(order_id, 'o9') AS order_id, amount, day FROM bronze.orders\n" +
		"QUALIFY row_number() OVER (PARTITION BY nullif(order_id, 'o9') ORDER BY day DESC, amount DESC) = 1\n",
		"gold/days.sql": "/*\nmaterialized: incremental\nunique_key: day\naffected_keys: SELECT day FROM changes_silver__lines\nkeyed_inputs: [silver.lines]\n*/\n" +
			"SELECT day, count(*) AS lines, count(order_id) AS keyed, sum(amount) AS amount FROM silver.lines GROUP BY day\n",
		// The same without keyed_inputs: the model's SQL reads all of silver.lines.
		"gold/totals.sql": "/*\nmaterialized: incremental\nunique_key: day\naffected_keys: SELECT day FROM changes_silver__lines\n*/\n" +
			"SELECT day, count(*) AS lines, sum(amount) AS amount FROM silver.lines GROUP BY day\n"}
	files := []struct{ name, text string }{
		{"b.csv", "order_id,amount,day\no9,9.00,2026-01-05\no2,5.00,2026-01-04\n"},
		{"c.csv", "order_id,amount,day\no9,7.00,2026-01-03\no5,1.00,2026-01-03\no6,3.00,\n"},
		{"d.csv", "order_id,amount,day\no9,8.00,2026-01-06\n"},
		{"e.csv", "order_id,amount,day\no9,6.00,2026-01-06\no1,2.00,2026-01-06\no7,4.00,\n"},
	}
	const q = "SELECT * FROM silver.lines ORDER BY ALL; SELECT * FROM gold.days ORDER BY ALL; SELECT * FROM gold.totals ORDER BY ALL"
	read := func(p *project.Project) string {
		var b strings.Builder
		for _, s := range strings.Split(q, "; ") {
			b.WriteString(queryProject(t, p, s))
		}
		return b.String()
	}
	stepwise := testutil.SmallOrdersProject(t, models)
	ps := loadProject(t, stepwise, "", "")
	mustBuild(t, ps, Options{})
	for _, f := range files {
		testutil.WriteFile(t, filepath.Join(stepwise, "data", "bronze", "orders", f.name), f.text)
		if got := built(mustBuild(t, ps, Options{}))["silver.lines"]; got != "incremental" {
			t.Fatalf("after %s: silver.lines built %q, not incrementally", f.name, got)
		}
	}
	whole := testutil.SmallOrdersProject(t, models)
	for _, f := range files {
		testutil.WriteFile(t, filepath.Join(whole, "data", "bronze", "orders", f.name), f.text)
	}
	pw := loadProject(t, whole, "", "")
	mustBuild(t, pw, Options{})
	if got, want := read(ps), read(pw); got != want {
		t.Fatalf("file by file:\n%s\none build:\n%s", got, want)
	}
	if got := queryProject(t, ps, "SELECT count(*) AS n, max(amount) AS amount FROM silver.lines WHERE order_id IS NULL"); got != "n,amount\n1,8.00\n" {
		t.Fatalf("the NULL key's rows: %q", got)
	}
}
