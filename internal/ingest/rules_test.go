package ingest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/digitalservices/elt/internal/project"
)

// TestDecimalRule: a decimal is digits with at most the scale's decimals
// and an absolute value under 10^(precision-scale), leading zeros and
// spaces aside. (DuckDB writes a DECIMAL(2,2) without its 0: .99.)
func TestDecimalRule(t *testing.T) {
	tx := memTx(t)
	for _, tc := range []struct {
		typ, in string
		kind    uint8
		want    sql.NullString
	}{
		{"decimal(10,2)", "12.5", kindString, sql.NullString{String: "12.50", Valid: true}},
		{"decimal(10,2)", " -0099999999.99 ", kindString, sql.NullString{String: "-99999999.99", Valid: true}},
		{"decimal(10,2)", "100000000", kindString, sql.NullString{}},
		{"decimal(10,2)", "-100000000.00", kindString, sql.NullString{}},
		{"decimal(10,2)", "000000000000", kindString, sql.NullString{String: "0.00", Valid: true}},
		{"decimal(10,2)", "1.234", kindString, sql.NullString{}},
		{"decimal(10,2)", "1.", kindString, sql.NullString{}},
		{"decimal(10,2)", ".5", kindString, sql.NullString{}},
		{"decimal(10,2)", "12", kindInteger, sql.NullString{String: "12.00", Valid: true}},
		{"decimal(10,2)", "12", kindBoolean, sql.NullString{}},
		{"decimal(4,0)", "9999", kindString, sql.NullString{String: "9999", Valid: true}},
		{"decimal(4,0)", "10000", kindString, sql.NullString{}},
		{"decimal(4,0)", "1.5", kindString, sql.NullString{}},
		{"decimal(2,2)", "0.99", kindString, sql.NullString{String: ".99", Valid: true}},
		{"decimal(2,2)", "-00.5", kindString, sql.NullString{String: "-.50", Valid: true}},
		{"decimal(2,2)", "1.00", kindString, sql.NullString{}},
	} {
		f := project.Field{Name: "x", Type: project.FieldType(tc.typ)}
		var got sql.NullString
		q := "SELECT (" + parse(Source{}, f, "t", "s") + ")::VARCHAR FROM (SELECT ?::UTINYINT AS t, ?::VARCHAR AS s)"
		if err := tx.QueryRowContext(context.Background(), q, tc.kind, tc.in).Scan(&got); err != nil {
			t.Fatalf("%s %q: %v", tc.typ, tc.in, err)
		}
		if got != tc.want {
			t.Errorf("%s %q (kind %d) = %v, want %v", tc.typ, tc.in, tc.kind, got, tc.want)
		}
	}
}
