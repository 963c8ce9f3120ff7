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
