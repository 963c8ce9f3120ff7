package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// The model header and incremental-build items of issue 24: header names
// checked against the model's columns before anything runs, order_by on
// increments, unique_key unique on every build, and a reconciliation for
// every declared source whatever its models are named.

// modelsQuery runs one read-only query on the project's warehouse and returns
// its CSV.
func modelsQuery(t *testing.T, dir, sql string) string {
	t.Helper()
	return mustElt(t, "--project", dir, "query", "--format", "csv", sql)
}

// TestHeaderNamesCheckedBeforeRun: a header name that is not one of the
// model's output columns is an error at its line:col, listing the model's
// columns, from elt compile and from elt build before anything is ingested
// or built. Every kind of name (columns:, unique_key, order_by,
// partition_by) is checked by internal/describe's TestHeaderNamesChecked,
// and that a build runs nothing before it by internal/build's
// TestNothingRunsBeforeTheChecks.
func TestHeaderNamesCheckedBeforeRun(t *testing.T) {
	body := "SELECT order_id, amount, day FROM bronze.orders\nQUALIFY row_number() OVER (PARTITION BY order_id ORDER BY day DESC) = 1\n"
	cases := []struct {
		name, header, want string
	}{
		{"column typo", "materialized: table\ncolumns:\n  - name: dya\n    checks: [not_null]\n",
			"models/silver/orders.sql:4:5: the header describes column dya, which the model does not return"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := testutil.SmallOrdersProject(t, map[string]string{"silver/orders.sql": "/*\n" + c.header + "*/\n" + body})
			for _, cmd := range []string{"compile", "build"} {
				code, out, errs := elt(t, "--project", dir, cmd)
				if code != 1 || !strings.Contains(errs, c.want) || !strings.Contains(errs, "silver.orders returns order_id, amount, day") {
					t.Fatalf("elt %s: exit %d, want 1 and %q with the model's columns\n%s%s", cmd, code, c.want, out, errs)
				}
				if cmd == "build" && out != "" {
					t.Errorf("elt build ran something before the header error:\n%s", out)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "data", "warehouse.duckdb")); err == nil {
				// Opening the warehouse is fine; nothing may have been built in it.
				if got := modelsQuery(t, dir, "SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name IN ('bronze', 'silver') AND table_name <> 'quarantine'"); got != "n\n0\n" {
					t.Errorf("tables were built before the header error:\n%s", got)
				}
			}
		})
	}
}

// TestUniqueKeyWholeBuildWithUniqueCheck: a whole build of a model whose
// header checks its unique_key unique and not null leaves the duplicates to
// those checks, which block the build and name them.
func TestUniqueKeyWholeBuildWithUniqueCheck(t *testing.T) {
	dir := testutil.SmallOrdersProject(t, map[string]string{"silver/lines.sql": "/*\nmaterialized: incremental\nunique_key: order_id\norder_by: day DESC\n" +
		"columns:\n  - name: order_id\n    checks: [not_null, unique]\n*/\nSELECT order_id, amount, day FROM bronze.orders\n"})
	code, out, errs := elt(t, "--project", dir, "build")
	if code != 1 || !strings.Contains(out, "FAIL  silver.lines  unique(order_id)") || !strings.Contains(out, "o1") {
		t.Fatalf("exit %d, want 1 and the unique check failing on o1\n%s%s", code, out, errs)
	}
}

// TestEverySourceReconciled: a source is reconciled against the model that
// keeps one row per record whatever it is named (the one reading the
// source's bronze table with the source's key as unique_key); records its
// WHERE leaves out are named with it, records lost without a filter fail
// the build, and a source no model keys is named with the reason.
func TestEverySourceReconciled(t *testing.T) {
	const header = "/*\nmaterialized: incremental\nunique_key: order_id\norder_by: day DESC\n*/\n"
	const dedup = "\nQUALIFY row_number() OVER (PARTITION BY order_id ORDER BY day DESC) = 1\n"
	cases := []struct {
		name   string
		model  string
		noKey  bool // the source declares no key
		code   int
		out    []string // in stdout
		errs   string   // in stderr
		record string   // elt.reconciliations of the run, as CSV rows
	}{
		{
			name:   "a WHERE leaves records out, named",
			model:  header + "SELECT order_id, amount, day FROM bronze.orders WHERE amount > 0" + dedup,
			out:    []string{"orders                  4          2           1            0  ok", "orders: silver is silver.order_lines, whose WHERE or HAVING leaves out 1 record on purpose (read 4 = 2 + 1 superseded + 0 quarantined + 1 left out)"},
			record: "orders,4,2,1,0,4,true\n",
		},
		{
			name:   "keyed under another name",
			model:  header + "SELECT order_id, amount, day FROM bronze.orders" + dedup,
			out:    []string{"orders                  4          3           1            0  ok", "orders: silver is silver.order_lines, the model with the source's key as its unique_key"},
			record: "orders,4,3,1,0,4,true\n",
		},
		{
			name:   "records lost without a filter",
			model:  header + "SELECT o.order_id, o.amount, o.day FROM bronze.orders AS o JOIN (VALUES ('o1'), ('o2')) AS v(k) ON v.k = o.order_id" + dedup,
			code:   1,
			out:    []string{"MISMATCH"},
			errs:   "orders: read 4, but silver.order_lines 2 + superseded 1 + quarantined 0 = 3 (bronze holds 4)",
			record: "orders,4,2,1,0,4,false\n",
		},
		{
			name:  "no model keys the source",
			model: "/* materialized: table */\nSELECT order_id, amount FROM bronze.orders WHERE amount > 0\n",
			out:   []string{"warning: orders: not reconciled: no model reading bronze.orders has unique_key: order_id, the source's key (silver.order_lines reads it)"},
		},
		{
			name:  "the source declares no key",
			model: "/* materialized: table */\nSELECT order_id, amount FROM bronze.orders WHERE amount > 0\n",
			noKey: true,
			out:   []string{"warning: orders: not reconciled: it declares no key in elt.yaml"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := testutil.SmallOrdersProject(t, map[string]string{"silver/order_lines.sql": c.model})
			if c.noKey {
				cfg, err := os.ReadFile(filepath.Join(dir, "elt.yaml"))
				if err != nil {
					t.Fatal(err)
				}
				testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), strings.Replace(string(cfg), "    key: order_id\n", "", 1))
			}
			code, out, errs := elt(t, "--project", dir, "build")
			if code != c.code || !strings.Contains(errs, c.errs) {
				t.Fatalf("exit %d, want %d and %q\n%s%s", code, c.code, c.errs, out, errs)
			}
			for _, w := range c.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			got := modelsQuery(t, dir, "SELECT source, read, silver, superseded, quarantined, bronze, balanced FROM elt.reconciliations")
			if want := "source,read,silver,superseded,quarantined,bronze,balanced\n" + c.record; got != want {
				t.Errorf("elt.reconciliations:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestUniqueKeyNullsAreDuplicates: two rows with a NULL unique_key are a
// duplicate to a merge (neither replaces the other), so a whole build fails
// on them even when the header checks the key unique (which ignores NULLs).
func TestUniqueKeyNullsAreDuplicates(t *testing.T) {
	dir := testutil.SmallOrdersProject(t, map[string]string{"silver/lines.sql": "/*\nmaterialized: incremental\nunique_key: order_id\norder_by: day DESC\n" +
		"columns:\n  - name: order_id\n    checks: [unique]\n*/\n" +
		"SELECT CASE WHEN amount > 1 THEN NULL ELSE order_id END AS order_id, amount, day FROM bronze.orders\n"})
	code, out, errs := elt(t, "--project", dir, "build")
	if want := "models/silver/lines.sql:3:13: unique_key order_id is not unique in the model's rows of silver.lines: NULL (2 rows)"; code != 1 || !strings.Contains(errs, want) {
		t.Fatalf("exit %d, want 1 and %q\n%s%s", code, want, out, errs)
	}
}

// TestHeaderChecksAndKeysCheckedBeforeRun: a blocking expression check that
// does not bind to the model's rows (an unknown column, an aggregate), a
// model-level check's column, and redshift keys the model does not return
// are errors at their line:col before anything runs; a check that only
// warns stays a warning at the audit.
func TestHeaderChecksAndKeysCheckedBeforeRun(t *testing.T) {
	dir := testutil.SmallOrdersProject(t, map[string]string{"silver/orders.sql": `/*
materialized: table
checks:
  - {expression: "sum(amount) > 0"}
  - {range: {column: amont, min: 0}}
  - {expression: {expr: "amout > 0", severity: warn}}
columns:
  - name: amount
    checks:
      - {expression: "amount >= nosuch"}
redshift:
  dist_key: order_idd
  sort_key: [day, dya]
*/
SELECT order_id, amount, day FROM bronze.orders
`})
	code, out, errs := elt(t, "--project", dir, "build")
	for _, want := range []string{
		"models/silver/orders.sql:4:18: check expression: expression \"sum(amount) > 0\" is not a condition on the model's rows: WHERE clause cannot contain aggregates",
		"models/silver/orders.sql:5:5: check range(amont) names column amont, which the model does not return",
		"models/silver/orders.sql:10:22: check expression: expression \"amount >= nosuch\" is not a condition on the model's rows",
		"models/silver/orders.sql:12:13: dist_key order_idd is not a column the model returns",
		"models/silver/orders.sql:13:19: sort_key names dya, which is not a column the model returns",
		"5 errors",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if code != 1 || out != "" || strings.Contains(errs, "amout") {
		t.Errorf("exit %d, want 1 before anything runs, the warning check left to the audit\n%s%s", code, out, errs)
	}
}

// TestReconciledModelNotSelected: a build whose selection reads a source
// but leaves out the model that keeps its records says the source is not
// reconciled in it (before, it failed as if records were lost); the next
// build of that model reconciles them all.
func TestReconciledModelNotSelected(t *testing.T) {
	dir := testutil.SmallOrdersProject(t, map[string]string{
		"silver/orders.sql": "/*\nmaterialized: incremental\nunique_key: order_id\norder_by: day DESC\n*/\n" +
			"SELECT order_id, amount, day FROM bronze.orders QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY day DESC) = 1\n",
		"gold/raw.sql": "SELECT count(*) AS n FROM bronze.orders\n",
	})
	mustElt(t, "--project", dir, "build")
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "orders", "b.csv"), "order_id,amount,day\no9,1.00,2026-01-01\n")
	out := mustElt(t, "--project", dir, "build", "--select", "gold.raw")
	if want := "warning: orders: not reconciled: silver.orders, which keeps its records, is not selected in this build"; !strings.Contains(out, want) {
		t.Fatalf("want %q in:\n%s", want, out)
	}
	out = mustElt(t, "--project", dir, "build")
	if want := "orders                  5          4           1            0  ok"; !strings.Contains(out, want) {
		t.Fatalf("want %q in:\n%s", want, out)
	}
}
