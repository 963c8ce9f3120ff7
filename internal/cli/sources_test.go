package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// returnsProject is ordersProject with the orders of file 0 in the given
// format, and a second source declared after it: returns, a CSV file of
// two.
func returnsProject(t *testing.T, format string) string {
	t.Helper()
	proj := testutil.OrdersProject(t, format)
	cfg, err := os.ReadFile(filepath.Join(proj, "elt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), string(cfg)+`  returns:
    format: csv
    key: order_id
    fields:
      - {name: order_id, type: id, required: true}
      - {name: why,      type: text}
`)
	bronze := filepath.Join(proj, "data", "bronze")
	testutil.WriteOrders(t, bronze, format, 0)
	testutil.WriteFile(t, filepath.Join(bronze, "returns", "r.csv"), "order_id,why\no1,damaged\no2,late\n")
	return proj
}

// TestParquetThenText: a Parquet source loaded before a CSV one in the same
// build. Each batch's records are a view that goes with the batch; a table
// left behind (as a Parquet batch once left) stopped the next source with
// "Existing object elt_records is of type Table".
func TestParquetThenText(t *testing.T) {
	proj := returnsProject(t, "parquet")
	testutil.WriteFile(t, filepath.Join(proj, "models", "silver", "returns.sql"), "SELECT order_id, why FROM bronze.returns\n")
	mustElt(t, "--project", proj, "build")
	got := mustElt(t, "--project", proj, "query", "--format", "csv",
		"SELECT (SELECT count(*) FROM bronze.orders) AS orders, (SELECT count(*) FROM silver.returns) AS returns")
	if got != "orders,returns\n2,2\n" {
		t.Errorf("bronze after one build:\n%s", got)
	}
}

// TestUnreadSourceIsSaid: a declared source no model reads is not loaded,
// and the build says so rather than pass over it.
func TestUnreadSourceIsSaid(t *testing.T) {
	proj := returnsProject(t, "csv")
	for _, tc := range []struct{ args, want string }{
		{"", "ingest  returns        not loaded: no model reads bronze.returns\n"},
		{"--select silver.orders", "ingest  returns        not loaded: no selected model reads bronze.returns\n"},
	} {
		out := mustElt(t, append([]string{"--project", proj, "build"}, strings.Fields(tc.args)...)...)
		if !strings.Contains(out, tc.want) {
			t.Errorf("build %s: no %q in\n%s", tc.args, tc.want, out)
		}
	}
}

// TestParquetFilesOfDifferentColumns: two Parquet files of one batch with
// different columns (another order, one missing, one extra) are each read
// by their own names, and a rejected record's raw text is its own file's
// row.
func TestParquetFilesOfDifferentColumns(t *testing.T) {
	proj := testutil.OrdersProject(t, "parquet")
	dir := filepath.Join(proj, "data", "bronze", "orders")
	testutil.WriteParquet(t, filepath.Join(dir, "a.parquet"), `SELECT 'a1' AS order_id, '1.00' AS amount, '2026-11-01 10:00:00' AS ordered_at`)
	testutil.WriteParquet(t, filepath.Join(dir, "b.parquet"), `SELECT * FROM (VALUES ('x', 'b1', 2.5::DECIMAL(10,2), TIMESTAMP '2026-11-01 11:00:00', 7),
		('y', 'b2', 3.0::DECIMAL(10,2), NULL, 8)) AS t(note, ORDER_ID, amount, ordered_at, extra)`)
	mustElt(t, "--project", proj, "build")
	got := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT order_id, amount, note, source_file FROM silver.orders ORDER BY order_id")
	if got != "order_id,amount,note,source_file\na1,1.00,,orders/a.parquet\nb1,2.50,x,orders/b.parquet\n" {
		t.Errorf("silver:\n%s", got)
	}
	q := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT file, line, reason, raw FROM silver.quarantine")
	if q != `file,line,reason,raw
orders/b.parquet,2,missing_ordered_at,"{""note"":""y"",""ORDER_ID"":""b2"",""amount"":3.0,""ordered_at"":null,""extra"":8}"
` {
		t.Errorf("quarantine:\n%s", q)
	}
}

// TestTypedParquetColumns: Parquet columns of real types meet the same
// rules as text: decimals, timestamps (with a zone too), integers as ids.
// The file's name holds glob characters, which DuckDB must not expand.
func TestTypedParquetColumns(t *testing.T) {
	proj := testutil.OrdersProject(t, "parquet")
	testutil.WriteParquet(t, filepath.Join(proj, "data", "bronze", "orders", "typed [1]*.parquet"), `SELECT * FROM (VALUES
		(17, 12.5::DECIMAL(10,2), TIMESTAMP '2026-11-01 10:00:00.25', 'Web', NULL),
		(18, 123456789.5::DECIMAL(12,2), TIMESTAMPTZ '2026-11-01 12:00:00+02', 'store', 'too much'),
		(NULL, 1.0::DECIMAL(10,2), TIMESTAMP '2026-11-01 10:00:00', 'web', 'no id')
	) AS t(order_id, amount, ordered_at, channel, note)`)
	mustElt(t, "--project", proj, "build")
	got := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT order_id, amount, ordered_at, channel FROM silver.orders ORDER BY order_id")
	if got != "order_id,amount,ordered_at,channel\n17,12.50,2026-11-01 10:00:00.250000,web\n" {
		t.Errorf("silver:\n%s", got)
	}
	q := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT file, line, reason FROM silver.quarantine ORDER BY line")
	if q != "file,line,reason\norders/typed [1]*.parquet,2,invalid_amount\norders/typed [1]*.parquet,3,missing_order_id\n" {
		t.Errorf("quarantine:\n%s", q)
	}
	// A Parquet record's raw text is its row as JSON, columns in the file's
	// order, values as they were typed.
	raw := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT raw FROM silver.quarantine ORDER BY line")
	if raw != `raw
"{""order_id"":18,""amount"":123456789.5,""ordered_at"":""2026-11-01 10:00:00+00"",""channel"":""store"",""note"":""too much""}"
"{""order_id"":null,""amount"":1.0,""ordered_at"":""2026-11-01 10:00:00+00"",""channel"":""web"",""note"":""no id""}"
` {
		t.Errorf("raw:\n%s", raw)
	}
}

// TestSourceInfer: on a conformance case's folders, elt source infer
// prints a block to paste under sources:, headed by where it goes; with no
// folder, or one holding no data file, it says why. That the block builds,
// on every case, is internal/ingest/infer's TestInferThenBuild.
func TestSourceInfer(t *testing.T) {
	bronze := filepath.Join(testutil.ConformanceDir(t), "02-dirty", "bronze")
	var args []string
	for _, s := range []string{"events", "transactions", "users"} {
		args = append(args, filepath.Join(bronze, s))
	}
	block := mustElt(t, append([]string{"source", "infer"}, args...)...)
	if !strings.HasPrefix(block, "# under sources: in elt.yaml (or run elt source infer --write to merge them)\n  events:\n    format: ndjson\n") || !strings.Contains(block, "  transactions:\n    format: csv\n") {
		t.Fatalf("block:\n%s", block)
	}
	code, _, errs := elt(t, "source", "infer")
	if code != ExitUsage || !strings.Contains(errs, "source infer needs one or more folders") {
		t.Fatalf("no path: exit %d %s", code, errs)
	}
	code, _, errs = elt(t, "source", "infer", t.TempDir())
	if code != ExitFailure || !strings.Contains(errs, "holds no .csv, .json, .jsonl, .ndjson or .parquet file") {
		t.Fatalf("empty folder: exit %d %s", code, errs)
	}
}
