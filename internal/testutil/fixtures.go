package testutil

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Orders are the records of the declared-source tests, as text: clean
// ones, a quoted line break, and one breaking each rule.
var Orders = [][]map[string]string{{
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

// OrderColumns are the columns of Orders, in file order.
var OrderColumns = []string{"order_id", "amount", "ordered_at", "channel", "note"}

// OrdersProject is the source-orders golden project
// (testdata/e2e/source-orders) in a new folder, with its source in the
// given format (csv, ndjson or parquet).
func OrdersProject(t testing.TB, format string) string {
	t.Helper()
	root := filepath.Join(RepoRoot(t), "testdata", "e2e", "source-orders", "project")
	proj := t.TempDir()
	CopyTree(t, filepath.Join(root, "models"), filepath.Join(proj, "models"))
	cfg, err := os.ReadFile(filepath.Join(root, "elt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	WriteFile(t, filepath.Join(proj, "elt.yaml"), strings.Replace(string(cfg), "format: csv", "format: "+format, 1))
	return proj
}

// WriteOrders writes file k of Orders under bronze/orders in a format.
func WriteOrders(t testing.TB, bronze, format string, k int) {
	t.Helper()
	path := filepath.Join(bronze, "orders", fmt.Sprintf("part-%d.%s", k, map[string]string{"csv": "csv", "ndjson": "json", "parquet": "parquet"}[format]))
	var b strings.Builder
	switch format {
	case "csv":
		w := csv.NewWriter(&b)
		if err := w.Write(OrderColumns); err != nil {
			t.Fatal(err)
		}
		for _, r := range Orders[k] {
			row := make([]string, len(OrderColumns))
			for i, c := range OrderColumns {
				row[i] = r[c]
			}
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
	default:
		for _, r := range Orders[k] {
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	if format != "parquet" {
		WriteFile(t, path, b.String())
		return
	}
	// Parquet, written by DuckDB from the same records as NDJSON.
	tmp := filepath.Join(t.TempDir(), "orders.json")
	WriteFile(t, tmp, b.String())
	cols := make([]string, len(OrderColumns))
	for i, c := range OrderColumns {
		cols[i] = fmt.Sprintf("%s: 'VARCHAR'", c)
	}
	WriteParquet(t, path, fmt.Sprintf("SELECT * FROM read_json(%s, columns = {%s})", sqlname.Literal(tmp), strings.Join(cols, ", ")))
}

// WriteParquet writes what query returns to path as Parquet, with DuckDB.
func WriteParquet(t testing.TB, path, query string) {
	t.Helper()
	MkdirAll(t, filepath.Dir(path))
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("COPY (" + query + ") TO " + sqlname.Literal(path) + " (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
}

// SmallOrdersProject writes a project with one CSV source, orders (key
// order_id), one bronze file, and the model files given (path under
// models/ → text).
func SmallOrdersProject(t testing.TB, models map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	WriteFile(t, filepath.Join(dir, "elt.yaml"), `version: 1
sources:
  orders:
    format: csv
    key: order_id
    fields:
      - {name: order_id, type: id, required: true}
      - {name: amount, type: "decimal(10,2)", required: true}
      - {name: day, type: date}
`)
	WriteFile(t, filepath.Join(dir, "data", "bronze", "orders", "a.csv"),
		"order_id,amount,day\no1,1.00,2026-01-01\no2,2.00,2026-01-02\no3,-3.00,2026-01-02\no1,4.00,2026-01-03\n")
	for rel, text := range models {
		WriteFile(t, filepath.Join(dir, "models", filepath.FromSlash(rel)), text)
	}
	return dir
}

// SeedProject is a project with the seed seeds/ref/fx_rates.csv (text),
// elt.yaml's seeds: section (config, indented under seeds:) and a gold
// model joining it.
func SeedProject(t testing.TB, text, config string) string {
	t.Helper()
	proj := t.TempDir()
	yaml := "version: 1\nmodels:\n  materialized: table\n"
	if config != "" {
		yaml += "seeds:\n" + config
	}
	WriteFile(t, filepath.Join(proj, "elt.yaml"), yaml)
	WriteFile(t, filepath.Join(proj, "seeds", "ref", "fx_rates.csv"), text)
	WriteFile(t, filepath.Join(proj, "models", "gold", "eur.sql"),
		"SELECT o.id, o.amount * r.rate::DOUBLE AS usd FROM (VALUES (1, 'EUR', 10.0), (2, 'USD', 5.0)) o(id, currency, amount)\n"+
			"JOIN ref.fx_rates r ON r.currency = o.currency\n")
	return proj
}
