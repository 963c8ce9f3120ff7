package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestSourceDeclarationErrorsAtLine: declarations that used to quarantine
// every record, leave a field NULL on every row or fail in generated SQL
// stop elt build at their elt.yaml:line:col, before any record is read.
func TestSourceDeclarationErrorsAtLine(t *testing.T) {
	head := "version: 1\nsources:\n  orders:\n    format: ndjson\n    max_quarantine_pct: 100\n    fields:\n      - {name: order_id, type: id}\n"
	for _, tc := range []struct{ field, want string }{
		{"      - {name: amount, type: integer, default: abc}\n", `elt.yaml:8:39: source orders: default "abc" is not a whole number`},
		{"      - {name: amount, type: integer, min: 10, max: 1}\n", "elt.yaml:8:39: source orders: min 10 is above max 1"},
		{"      - {name: amount, type: integer, min: .nan}\n", "elt.yaml:8:39: source orders: min must be a finite number"},
		{"      - {name: amount, type: integer, max: 1e400}\n", `elt.yaml:8:7: expected a number, found "1e400", which is out of range`},
		{"      - {name: amount, type: integer, check: 'sum(amount) > 0'}\n", "elt.yaml:8:39: source orders: the check of field amount is not one SQL expression over the record's fields: it uses the aggregate function sum"},
		{"      - {name: amount, type: integer, check: 'nosuch > 0'}\n", "elt.yaml:8:39: source orders: the check of field amount is not one SQL expression over the record's fields: it reads nosuch"},
		{"      - {name: c1, type: text, column: extra}\n      - {name: c2, type: text, column: extra}\n", `elt.yaml:9:32: source orders: fields c1 and c2 both read the column "extra"`},
		{"      - {name: note, type: text, column: order_id}\n", `elt.yaml:8:34: source orders: fields order_id and note both read the column "order_id"`},
	} {
		proj := t.TempDir()
		testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), head+tc.field)
		testutil.WriteFile(t, filepath.Join(proj, "models", "silver", "orders.sql"), "SELECT * FROM bronze.orders\n")
		testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "orders", "a.json"), `{"order_id": "1", "amount": 5, "extra": "x"}`+"\n")
		code, out, errs := elt(t, "--project", proj, "build")
		if code != ExitFailure || !strings.Contains(errs, tc.want) || strings.Contains(out, "ingest") {
			t.Errorf("%s: exit %d\nstdout %s\nstderr %s\nwant exit 1 and %q before ingesting", strings.TrimSpace(tc.field), code, out, errs, tc.want)
		}
	}
}
