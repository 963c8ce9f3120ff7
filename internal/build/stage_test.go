package build

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestStagedThenInOneTransaction: a first build stages the source and the
// models built from it, and publishes them by renaming, leaving no staging
// table; a build after new files stages nothing (its source is loaded,
// its models merged, in the one transaction); a full refresh stages again;
// each gives what the one before would with the same files.
func TestStagedThenInOneTransaction(t *testing.T) {
	dir := testutil.SmallOrdersProject(t, map[string]string{
		"silver/orders.sql": "/*\nmaterialized: incremental\nunique_key: order_id\norder_by: day DESC\n*/\nSELECT order_id, amount, day FROM bronze.orders\n" +
			"QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY day DESC) = 1\n",
		"gold/totals.sql": "/*\nmaterialized: table\n*/\nSELECT day, sum(amount) AS amount FROM silver.orders GROUP BY day\n",
	})
	p := loadProject(t, dir, "", "")
	build := func(o Options) string {
		t.Helper()
		db, err := state.Open(context.Background(), p, state.Write)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var trace strings.Builder
		if _, err := (&Builder{Project: p, DB: db, Trace: &trace}).Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		var staged []string
		for _, l := range strings.Split(trace.String(), "\n") {
			if _, what, ok := strings.Cut(l, "s  publish "); ok {
				staged = append(staged, what)
			}
		}
		left := queryProject(t, p, "SELECT count(*) AS n FROM duckdb_tables() WHERE starts_with(table_name, '_elt_staging_')")
		if left != "n\n0\n" {
			t.Fatalf("staging tables left after the build: %s", left)
		}
		return strings.Join(staged, "; ")
	}
	const q = "SELECT day, amount FROM gold.totals ORDER BY day"
	if got := build(Options{}); got != "3 staged tables" {
		t.Fatalf("first build: %q, want the source and both models staged", got)
	}
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "orders", "b.csv"), "order_id,amount,day\no2,9.00,2026-01-04\no4,5.00,2026-01-04\n")
	if got := build(Options{}); got != "0 staged tables" {
		t.Fatalf("build after a new file: %q, want nothing staged", got)
	}
	const want = "day,amount\n2026-01-02,-3.00\n2026-01-03,4.00\n2026-01-04,14.00\n"
	if got := queryProject(t, p, q); got != want {
		t.Fatalf("after the increment:\n%s\nwant\n%s", got, want)
	}
	if got := build(Options{FullRefresh: true}); got != "3 staged tables" {
		t.Fatalf("full refresh: %q, want the source and both models staged", got)
	}
	if got := queryProject(t, p, q); got != want {
		t.Fatalf("after the full refresh:\n%s\nwant\n%s", got, want)
	}
	if got := queryProject(t, p, "SELECT count(*) AS files, sum(records) AS records FROM elt.files"); got != "files,records\n2,6\n" {
		t.Fatalf("the manifest after the full refresh: %s", got)
	}
}

// TestStagedErrorAt: a model built under its staging name reads its
// inputs' staging names, yet its SQL error stands where it is in the
// model's file, as it does when the model is built in place.
func TestStagedErrorAt(t *testing.T) {
	const bad = "/*\nmaterialized: table\n*/\nSELECT day, sum(amount) AS amount FROM bronze.orders WHERE no_such_column > 1 GROUP BY day\n"
	const want = "models/gold/totals.sql:4:60: Binder Error: Referenced column \"no_such_column\" not found"
	dir := testutil.SmallOrdersProject(t, map[string]string{"gold/totals.sql": bad})
	p := loadProject(t, dir, "", "")
	run := func() error {
		db, err := state.Open(context.Background(), p, state.Write)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		_, err = (&Builder{Project: p, DB: db}).Run(context.Background(), Options{})
		return err
	}
	staged := run() // the first build stages bronze.orders and the model
	if staged == nil || !strings.HasPrefix(staged.Error(), want) {
		t.Fatalf("staged: %v\nwant %s…", staged, want)
	}
	// Built in place: the source loaded once, and the model fixed, then
	// broken again.
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "totals.sql"), "SELECT 1 AS one\n")
	p = loadProject(t, dir, "", "")
	if err := run(); err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "totals.sql"), bad)
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "orders", "b.csv"), "order_id,amount,day\no9,1.00,2026-01-04\n")
	p = loadProject(t, dir, "", "")
	inPlace := run()
	if inPlace == nil || staged.Error() != inPlace.Error() {
		t.Fatalf("staged and in place, the errors differ:\n%v\n%v", staged, inPlace)
	}
}
