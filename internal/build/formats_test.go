package build

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// orders are the records of the declared-source tests, as text: clean
// ones, a quoted line break, and one breaking each rule.
var formatOrders = [][]map[string]string{{
	{"order_id": "o1", "amount": "12.50", "ordered_at": "2026-11-01 10:00:00", "channel": "WEB", "note": "first order"},
	{"order_id": "o2", "amount": "7.00", "ordered_at": "2026-11-01T10:05:00Z", "channel": " Store ", "note": "a note\nspanning two lines, with \"quotes\""},
	{"order_id": "", "amount": "3.00", "ordered_at": "2026-11-01 10:10:00", "channel": "web", "note": "no id"},
	{"order_id": "o3", "amount": "abc", "ordered_at": "2026-11-01 10:15:00", "channel": "web", "note": "bad amount"},
	{"order_id": "o4", "amount": "9.99", "ordered_at": "2026-11-01 10:20:00", "channel": "phone", "note": "bad channel"},
	{"order_id": "o5", "amount": "1.00", "ordered_at": "yesterday", "channel": "web", "note": "bad timestamp"},
}, {
	{"order_id": "o6", "amount": "4.20", "ordered_at": "1793520000000", "channel": "", "note": "default channel"},
	{"order_id": "o2", "amount": "8.00", "ordered_at": "2026-11-02 09:00:00", "channel": "web", "note": "later state of o2"},
}}

var formatOrderColumns = []string{"order_id", "amount", "ordered_at", "channel", "note"}

// formatsProject is the source-orders golden project
// (testdata/e2e/source-orders) with the source in the given format.
func formatsProject(t *testing.T, format string) string {
	t.Helper()
	root := filepath.Join(testutil.RepoRoot(t), "testdata", "e2e", "source-orders", "project")
	proj := t.TempDir()
	copyTree(t, filepath.Join(root, "models"), filepath.Join(proj, "models"))
	cfg, err := os.ReadFile(filepath.Join(root, "elt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), strings.Replace(string(cfg), "format: csv", "format: "+format, 1))
	return proj
}

// writeFormatOrders writes file k of orders under bronze/orders in a format.
func writeFormatOrders(t *testing.T, bronze, format string, k int) {
	t.Helper()
	path := filepath.Join(bronze, "orders", fmt.Sprintf("part-%d.%s", k, map[string]string{"csv": "csv", "ndjson": "json", "parquet": "parquet"}[format]))
	var b strings.Builder
	switch format {
	case "csv":
		w := csv.NewWriter(&b)
		if err := w.Write(formatOrderColumns); err != nil {
			t.Fatal(err)
		}
		for _, r := range formatOrders[k] {
			row := make([]string, len(formatOrderColumns))
			for i, c := range formatOrderColumns {
				row[i] = r[c]
			}
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
	default:
		for _, r := range formatOrders[k] {
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	if format != "parquet" {
		testutil.WriteFile(t, path, b.String())
		return
	}
	// Parquet, written by DuckDB from the same records as NDJSON.
	tmp := filepath.Join(t.TempDir(), "orders.json")
	testutil.WriteFile(t, tmp, b.String())
	cols := make([]string, len(formatOrderColumns))
	for i, c := range formatOrderColumns {
		cols[i] = fmt.Sprintf("%s: 'VARCHAR'", c)
	}
	writeParquet(t, path, fmt.Sprintf("SELECT * FROM read_json(%s, columns = {%s})", "'"+strings.ReplaceAll(tmp, "'", "''")+"'", strings.Join(cols, ", ")))
}

// writeParquet writes what query returns to path as Parquet, with DuckDB.
func writeParquet(t *testing.T, path, query string) {
	t.Helper()
	testutil.MkdirAll(t, filepath.Dir(path))
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("COPY (" + query + ") TO " + "'" + strings.ReplaceAll(path, "'", "''") + "'" + " (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
}

// TestDeclaredSourceFormats: the same records as CSV, NDJSON and Parquet,
// built file by file, give the same silver and the same reasons.
func TestDeclaredSourceFormats(t *testing.T) {
	results := map[string][2]string{}
	for _, format := range []string{"csv", "ndjson", "parquet"} {
		proj := formatsProject(t, format)
		p := loadProject(t, proj, "", "")
		bronze := p.Resolve(p.Config.Paths.Bronze)
		testutil.MkdirAll(t, filepath.Join(bronze, "orders"))
		for k := range formatOrders {
			writeFormatOrders(t, bronze, format, k)
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
	proj := formatsProject(t, "csv")
	bronze := filepath.Join(proj, "data", "bronze")
	writeFormatOrders(t, bronze, "csv", 0)
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
