package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestDeclaredSourceFormats: the same records as CSV, NDJSON and Parquet,
// built file by file, give the same silver and the same reasons.
func TestDeclaredSourceFormats(t *testing.T) {
	results := map[string][2]string{}
	for _, format := range []string{"csv", "ndjson", "parquet"} {
		proj := testutil.OrdersProject(t, format)
		p := loadProject(t, proj, "", "")
		bronze := p.Resolve(p.Config.Paths.Bronze)
		testutil.MkdirAll(t, filepath.Join(bronze, "orders"))
		for k := range testutil.Orders {
			testutil.WriteOrders(t, bronze, format, k)
			mustBuild(t, p, Options{})
		}
		db, err := state.Open(context.Background(), p, state.ReadOnly)
		if err != nil {
			t.Fatal(err)
		}
		silver := queryCSV(t, db, "SELECT * EXCLUDE (source_file, source_line) FROM silver.orders ORDER BY order_id")
		reasons := queryCSV(t, db, "SELECT reason, count(*) AS n FROM silver.quarantine GROUP BY reason ORDER BY reason")
		db.Close()
		results[format] = [2]string{silver, reasons}
	}
	want := results["csv"]
	if !strings.Contains(want[0], "o2,8.00,2026-11-02 09:00:00,web,later state of o2") || !strings.Contains(want[0], "o6,4.20,2026-11-01 08:00:00,web,default channel") ||
		want[1] != "reason,n\ninvalid_amount,1\ninvalid_channel,1\ninvalid_ordered_at,1\nmissing_order_id,1\n" {
		t.Fatalf("csv:\n%s\n%s", want[0], want[1])
	}
	for _, format := range []string{"ndjson", "parquet"} {
		if results[format] != want {
			t.Errorf("%s differs from csv:\n%s\n%s\nwant\n%s\n%s", format, results[format][0], results[format][1], want[0], want[1])
		}
	}
}

// buildErr loads the project in dir and runs one build, returning its
// error, or the project's when it does not load.
func buildErr(t *testing.T, dir string, o Options) error {
	t.Helper()
	p, err := project.Load(dir, project.Overrides{})
	if err != nil {
		return err
	}
	db, err := state.Open(context.Background(), p, state.Write)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = (&Builder{Project: p, DB: db}).Run(context.Background(), o)
	return err
}

// TestFieldAddedLater: a field declared after a source was loaded becomes a
// column (older rows NULL) without a full refresh; a changed type asks for
// one; a check DuckDB cannot parse is an elt.yaml error before anything runs.
func TestFieldAddedLater(t *testing.T) {
	proj := testutil.OrdersProject(t, "csv")
	bronze := filepath.Join(proj, "data", "bronze")
	testutil.WriteOrders(t, bronze, "csv", 0)
	mustBuild(t, loadProject(t, proj, "", ""), Options{})
	cfgPath := filepath.Join(proj, "elt.yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	added := strings.Replace(string(cfg), "      - {name: note,       type: text}\n", "      - {name: note,       type: text}\n      - {name: coupon,     type: text}\n", 1)
	testutil.WriteFile(t, cfgPath, added)
	testutil.WriteFile(t, filepath.Join(bronze, "orders", "part-9.csv"), "order_id,amount,ordered_at,coupon\no10,1.00,2026-11-03 10:00:00,SAVE5\n")
	p := loadProject(t, proj, "", "")
	mustBuild(t, p, Options{})
	if got := queryProject(t, p, "SELECT order_id, coupon FROM bronze.orders ORDER BY order_id"); got != "order_id,coupon\no1,\no10,SAVE5\no2,\n" {
		t.Fatalf("bronze after adding a field:\n%s", got)
	}

	retyped := strings.Replace(added, "{name: coupon,     type: text}", "{name: coupon,     type: integer}", 1)
	testutil.WriteFile(t, cfgPath, retyped)
	testutil.WriteFile(t, filepath.Join(bronze, "orders", "part-10.csv"), "order_id,amount,ordered_at\no11,1.00,2026-11-03 11:00:00\n")
	if err := buildErr(t, proj, Options{}); err == nil || !strings.Contains(err.Error(), "field coupon is now integer, but \"bronze\".\"orders\" holds it as VARCHAR: run `elt build --full-refresh`") {
		t.Fatalf("retyped: got %v", err)
	}
	mustBuild(t, loadProject(t, proj, "", ""), Options{FullRefresh: true})

	broken := strings.Replace(retyped, "{name: coupon,     type: integer}", "{name: coupon,     type: integer, check: \"coupon > 0) OR (1\"}", 1)
	testutil.WriteFile(t, cfgPath, broken)
	if err := buildErr(t, proj, Options{}); err == nil || !strings.Contains(err.Error(), "elt.yaml:18:43: source orders: the check of field coupon is not one SQL expression") {
		t.Fatalf("bad check: got %v", err)
	}
}
