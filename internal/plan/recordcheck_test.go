package plan

import (
	"context"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

// TestCheckRecordExpression: a source field's check is one expression over
// the record's own fields; an aggregate, a window function, a subquery or a
// column that is not a field is refused by the parser's tree, before any
// SQL is generated.
func TestCheckRecordExpression(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	aggs, err := db.AggregateNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fields := []string{"amount", "Currency", "tags"}
	for _, tc := range []struct{ text, want string }{
		{"amount > 0", ""},
		{"AMOUNT > 0 AND currency IN ('EUR', 'USD')", ""},
		{"length(currency) = 3 AND abs(amount) < 1e6", ""},
		{"list_all(list_transform(tags, x -> x > 0))", ""},
		{"amount.x IS NULL", ""},
		{"current_date > DATE '2020-01-01' AND now() IS NOT NULL AND current_timestamp IS NOT NULL", ""},
		{"CASE WHEN currency = 'EUR' THEN amount::VARCHAR <> '' ELSE CAST(amount AS INTEGER) > 0 END", ""},
		{"amount BETWEEN 1 AND 10 AND currency LIKE 'E%' AND regexp_matches(currency, '^[A-Z]+$')", ""},
		{"sum(amount) > 0", "aggregate function sum"},
		{"count(*) > 1", "aggregate function count(*)"},
		{"amount > avg(amount) OVER ()", "window function avg"},
		{"row_number() OVER () = 1", "window function row_number"},
		{"nosuch > 0", "it reads nosuch, which is not a field of the source (fields: Currency, amount, tags)"},
		{"_line > 1", "it reads _line"},
		{"amount IN (SELECT 1)", "subquery"},
		{"EXISTS (SELECT * FROM silver.orders)", "subquery"},
		{"list_all(list_transform(tags, x -> x > y))", "it reads y"},
		{"amount > 0, 1", "holds 2 expressions"},
	} {
		err := CheckRecordExpression(ctx, db, tc.text, fields, aggs)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: refused: %v", tc.text, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: got %v, want an error containing %q", tc.text, err, tc.want)
		}
	}
}
