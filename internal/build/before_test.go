package build

import (
	"context"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/describe"
	"github.com/digitalservices/elt/internal/testutil"
)

// queryOne runs q on the builder's warehouse and returns its one value as
// text.
func queryOne(t *testing.T, b *Builder, q string) string {
	t.Helper()
	var s string
	if err := b.DB.QueryRowContext(context.Background(), q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

// TestNothingRunsBeforeTheChecks: a build whose headers' check fails (the
// check describe.CheckHeaders makes, given as Builder.Check) or whose
// header holds a statement in a fragment (compile rejects it) fails before
// anything is ingested or built: no table in bronze or silver, no file
// recorded, and the smuggled statement never ran (describe and compile
// check the messages: TestHeaderNamesChecked, TestHeaderFragmentsAreChecked).
func TestNothingRunsBeforeTheChecks(t *testing.T) {
	body := "SELECT order_id, amount, day FROM bronze.orders\nQUALIFY row_number() OVER (PARTITION BY order_id ORDER BY day DESC) = 1\n"
	for _, tc := range []struct{ name, header, want string }{
		{"header name", "materialized: table\ncolumns:\n  - name: dya\n    checks: [not_null]\n",
			"models/silver/orders.sql:4:5: the header describes column dya, which the model does not return"},
		{"fragment", "materialized: incremental\nunique_key: order_id\norder_by: \"day DESC) = 1; CREATE TABLE main.pwned AS SELECT 42; SELECT 1 WHERE (1\"\n",
			"is not one ORDER BY list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := testutil.SmallOrdersProject(t, map[string]string{"silver/orders.sql": "/*\n" + tc.header + "*/\n" + body})
			b := newBuilder(t, loadProject(t, dir, "", ""))
			b.Check = describe.CheckHeaders
			if _, err := b.Run(context.Background(), Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("build: got %v, want %q", err, tc.want)
			}
			if got := queryOne(t, b, "SELECT count(*) FROM duckdb_tables() WHERE schema_name IN ('bronze', 'silver') AND table_name <> 'quarantine'"); got != "0" {
				t.Errorf("%s tables were built before the error", got)
			}
			if got := queryOne(t, b, "SELECT count(*) FROM elt.files"); got != "0" {
				t.Errorf("%s files were recorded before the error", got)
			}
			if got := queryOne(t, b, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'pwned'"); got != "0" {
				t.Errorf("the injected statement ran")
			}
		})
	}
}
