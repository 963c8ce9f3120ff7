package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// The regression tests of issue #24's "writes where nothing may be
// written": each reproduction wrote through elt query, a macro file or a
// data test, on the project elt init writes.

// shopProject is the project elt init writes, built once.
func shopProject(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "shop")
	mustElt(t, "init", dir)
	mustElt(t, "--project", dir, "build")
	return dir
}

// revenue is gold.daily_revenue as elt query prints it, and the run count.
func revenue(t *testing.T, proj string) string {
	t.Helper()
	return mustElt(t, "--project", proj, "query", "--format", "csv",
		"SELECT (SELECT string_agg(day || currency || '=' || revenue_eur, ',' ORDER BY day, currency) FROM gold.daily_revenue) AS r, (SELECT count(*) FROM elt.runs) AS runs")
}

// TestQueryGateFailsClosed: EXPLAIN (ANALYZE) of a write, which the old
// gate stripped with a regular expression and then ran when the rest did
// not parse, is refused; the warehouse and the folder are untouched.
func TestQueryGateFailsClosed(t *testing.T) {
	proj := shopProject(t)
	t.Chdir(proj) // as a user runs it, so relative paths are the project's
	before := testutil.TreeHash(t, proj)
	for _, q := range []string{
		"EXPLAIN (ANALYZE) COPY (SELECT 'oops') TO 'data/warehouse.duckdb' (FORMAT csv)",
		"EXPLAIN (ANALYZE) INSTALL httpfs",
		"EXPLAIN ANALYZE COPY (SELECT 1) TO 'x.csv'",
		"EXPLAIN (FORMAT E'\\') SELECT 1 --') COPY (SELECT 1) TO 'x.csv'",
		"SELECT 1; COPY (SELECT 1) TO 'x.csv'",
		"SELECT * FROM read_csv('seeds/ref/fx_rates.csv')",
	} {
		code, out, errs := elt(t, "--project", proj, "query", q)
		if code == 0 {
			t.Errorf("%s: exit 0\n%s", q, out)
		}
		if strings.Contains(errs, "panic") {
			t.Errorf("%s: %s", q, errs)
		}
	}
	if after := testutil.TreeHash(t, proj); after != before {
		t.Error("a refused query changed the project folder or the warehouse")
	}
	if out := mustElt(t, "--project", proj, "query", "--format", "csv", "EXPLAIN ANALYZE SELECT count(*) FROM gold.daily_revenue"); !strings.Contains(out, "Query Profiling Information") {
		t.Errorf("EXPLAIN ANALYZE of a query: %s", out)
	}
	code, _, errs := elt(t, "--project", proj, "query", "SELECT 1\nFROM (SELECT 2")
	if code == 0 || !strings.Contains(errs, "query:2:") || !strings.Contains(errs, "syntax error") {
		t.Errorf("a query that does not parse: exit %d\n%s", code, errs)
	}
}

// TestMacroFileRunsOnlyMacros: statements hidden behind an E” or a $$
// string, which the old splitter took for one CREATE MACRO, are found by
// DuckDB's parser and refused at their line before anything runs.
func TestMacroFileRunsOnlyMacros(t *testing.T) {
	proj := shopProject(t)
	before := revenue(t, proj)
	pwn := filepath.Join(t.TempDir(), "pwn.csv")
	for name, text := range map[string]string{
		"e-string.sql": "CREATE MACRO m1() AS E'\\''; UPDATE gold.daily_revenue SET revenue_eur = 999; DELETE FROM elt.runs WHERE run_id < 2; COPY (SELECT 'pwn') TO '" + pwn + "'; --';",
		"dollar.sql":   "CREATE MACRO m1() AS $$x$$; UPDATE gold.daily_revenue SET revenue_eur = 999; DELETE FROM elt.runs WHERE run_id < 2; COPY (SELECT 'pwn') TO '" + pwn + "'; --$$;",
	} {
		path := filepath.Join(proj, "macros", name)
		testutil.WriteFile(t, path, text)
		code, out, errs := elt(t, "--project", proj, "build")
		if code == 0 || !strings.Contains(errs, "macros/"+name+":1:") || !strings.Contains(errs, "a macro file holds only CREATE MACRO statements") {
			t.Errorf("%s: exit %d\n%s%s", name, code, out, errs)
		}
		os.Remove(path)
	}
	if _, err := os.Stat(pwn); err == nil {
		t.Error("a macro file wrote a file")
	}
	if after := revenue(t, proj); after != before {
		t.Errorf("a macro file changed the warehouse: %s, was %s", after, before)
	}
}

// TestDataTestIsOneQuery: a data test that closes the parenthesis it is
// run in is refused at plan time; nothing it holds runs or is published.
func TestDataTestIsOneQuery(t *testing.T) {
	proj := shopProject(t)
	before := revenue(t, proj)
	testutil.WriteFile(t, filepath.Join(proj, "sql", "tests", "evil.sql"), "SELECT 1 WHERE false) t; UPDATE gold.daily_revenue SET revenue_eur = 0; --\n")
	code, out, errs := elt(t, "--project", proj, "build")
	if code == 0 || !strings.Contains(errs, "sql/tests/evil.sql:1:") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	if after := revenue(t, proj); after != before {
		t.Errorf("a data test changed the warehouse: %s, was %s", after, before)
	}
	testutil.WriteFile(t, filepath.Join(proj, "sql", "tests", "evil.sql"), "-- days with no revenue\nSELECT * FROM gold.daily_revenue WHERE revenue_eur IS NULL;\n")
	mustElt(t, "--project", proj, "build")
}

// TestMacroMayNotShadow: a macro named like a function of DuckDB's (lower,
// regexp_full_match) or the tool's (elt_…) is refused at its name, since
// it would change the tool's own SQL (every pattern rule passing, or every
// build failing); and a warehouse that holds such a macro from an older
// build recovers on the next build, whose first step drops it.
func TestMacroMayNotShadow(t *testing.T) {
	proj := shopProject(t)
	for text, want := range map[string]string{
		"CREATE MACRO lower(x) AS upper(x);":              "macros/shadow.sql:1:14: a macro may not be named lower: DuckDB has a function lower",
		"\nCREATE MACRO regexp_full_match(a, b) AS true;": "macros/shadow.sql:2:14: a macro may not be named regexp_full_match",
		"CREATE TEMP MACRO elt_trim(s) AS s;":             "macros/shadow.sql:1:19: a macro may not be named elt_trim: names starting with elt_ are the tool's own",
	} {
		testutil.WriteFile(t, filepath.Join(proj, "macros", "shadow.sql"), text)
		if code, out, errs := elt(t, "--project", proj, "build"); code == 0 || !strings.Contains(errs, want) {
			t.Errorf("%q: exit %d\n%s%s\nwant %s", text, code, out, errs, want)
		}
	}
	os.Remove(filepath.Join(proj, "macros", "shadow.sql"))
	// A warehouse an older elt let such a macro into.
	db, err := warehouse.Open(context.Background(), filepath.Join(proj, "data", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE MACRO lower(x) AS upper(x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "orders", "dt=2026-11-03", "part-0001.json"),
		`{"order_id": "o-late", "customer_id": "c01", "amount": 10.00, "currency": "EUR", "status": "paid", "ordered_at": "2026-11-03 10:00:00"}`+"\n")
	mustElt(t, "--project", proj, "build")
	if out := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT lower('AbC') AS l"); !strings.Contains(out, "abc") {
		t.Errorf("the stale macro still answers: %s", out)
	}
}
