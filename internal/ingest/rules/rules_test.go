package rules

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/ingest/read"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/testutil"
)

// macrosTx opens a transaction on an in-memory warehouse with the rules'
// macros, both closed when the test ends.
func macrosTx(t *testing.T) *sql.Tx {
	t.Helper()
	tx, err := testutil.MemoryDB(t).BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	macros, err := Macros()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(macros); err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestDecimalRule: a decimal is digits with at most the scale's decimals
// and an absolute value under 10^(precision-scale), leading zeros and
// spaces aside. (DuckDB writes a DECIMAL(2,2) without its 0: .99.)
func TestDecimalRule(t *testing.T) {
	tx := macrosTx(t)
	for _, tc := range []struct {
		typ, in string
		kind    uint8
		want    sql.NullString
	}{
		{"decimal(10,2)", "12.5", read.KindString, sql.NullString{String: "12.50", Valid: true}},
		{"decimal(10,2)", " -0099999999.99 ", read.KindString, sql.NullString{String: "-99999999.99", Valid: true}},
		{"decimal(10,2)", "100000000", read.KindString, sql.NullString{}},
		{"decimal(10,2)", "-100000000.00", read.KindString, sql.NullString{}},
		{"decimal(10,2)", "000000000000", read.KindString, sql.NullString{String: "0.00", Valid: true}},
		{"decimal(10,2)", "1.234", read.KindString, sql.NullString{}},
		{"decimal(10,2)", "1.", read.KindString, sql.NullString{}},
		{"decimal(10,2)", ".5", read.KindString, sql.NullString{}},
		{"decimal(10,2)", "12", read.KindInteger, sql.NullString{String: "12.00", Valid: true}},
		{"decimal(10,2)", "12", read.KindBoolean, sql.NullString{}},
		{"decimal(4,0)", "9999", read.KindString, sql.NullString{String: "9999", Valid: true}},
		{"decimal(4,0)", "10000", read.KindString, sql.NullString{}},
		{"decimal(4,0)", "1.5", read.KindString, sql.NullString{}},
		{"decimal(2,2)", "0.99", read.KindString, sql.NullString{String: ".99", Valid: true}},
		{"decimal(2,2)", "-00.5", read.KindString, sql.NullString{String: "-.50", Valid: true}},
		{"decimal(2,2)", "1.00", read.KindString, sql.NullString{}},
	} {
		f := contract.Field{Name: "x", Type: contract.FieldType(tc.typ)}
		var got sql.NullString
		q := "SELECT (" + parse(contract.Source{}, f, "t", "s", "NULL") + ")::VARCHAR FROM (SELECT ?::UTINYINT AS t, ?::VARCHAR AS s)"
		if err := tx.QueryRowContext(context.Background(), q, tc.kind, tc.in).Scan(&got); err != nil {
			t.Fatalf("%s %q: %v", tc.typ, tc.in, err)
		}
		if got != tc.want {
			t.Errorf("%s %q (kind %d) = %v, want %v", tc.typ, tc.in, tc.kind, got, tc.want)
		}
	}
}

// TestTimestampRule: the contract's timestamps, UTC when they name no zone,
// an offset applied (DuckDB's cast reads past one without applying it,
// which the rule relies on), epoch milliseconds; anything else NULL.
func TestTimestampRule(t *testing.T) {
	tx := macrosTx(t)
	ctx := context.Background()
	ok := func(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }
	for _, tc := range []struct {
		in   string
		kind uint8
		want sql.NullString
	}{
		{"2026-11-01T09:40:55Z", read.KindString, ok("2026-11-01 09:40:55")},
		{"2026-11-01 09:40:55", read.KindString, ok("2026-11-01 09:40:55")},
		{"2026-11-01T09:40:55.5+02:00", read.KindString, ok("2026-11-01 07:40:55.5")},
		{"2026-11-01T23:40:55.123456-05:30", read.KindString, ok("2026-11-02 05:10:55.123456")},
		{"2026-01-01T00:10:00+00:30", read.KindString, ok("2025-12-31 23:40:00")},
		{"2026-11-01T09:40:55-00:00", read.KindString, ok("2026-11-01 09:40:55")},
		{"1764000000000", read.KindString, ok("2025-11-24 16:00:00")},
		{"1764000000000", read.KindInteger, ok("2025-11-24 16:00:00")},
		{"2026-02-30T09:40:55Z", read.KindString, sql.NullString{}},
		{"2026-11-01T24:00:00Z", read.KindString, sql.NullString{}},
		{"2026-11-01T09:40:55.1234567Z", read.KindString, sql.NullString{}},
		{"2026-11-01T09:40:55+0200", read.KindString, sql.NullString{}},
		{"2026-11-01T09:40:55 +02:00", read.KindString, sql.NullString{}},
		{"2026-11-01", read.KindString, sql.NullString{}},
		{"2026-11-01T09:40:55Z", read.KindBoolean, sql.NullString{}},
	} {
		f := contract.Field{Name: "x", Type: contract.FieldType("timestamp")}
		kinds := []uint8{tc.kind}
		if tc.kind == read.KindString && contract.TimestampShape(tc.in) {
			// What Go marks (read.Frame) reads the same, without the pattern.
			kinds = append(kinds, read.KindStamp)
		}
		for _, kind := range kinds {
			var got sql.NullString
			q := "SELECT (" + parse(contract.Source{}, f, "t", "s", "NULL") + ")::VARCHAR FROM (SELECT ?::UTINYINT AS t, ?::VARCHAR AS s)"
			if err := tx.QueryRowContext(ctx, q, kind, tc.in).Scan(&got); err != nil {
				t.Fatalf("%q: %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("%q (kind %d) = %v, want %v", tc.in, kind, got, tc.want)
			}
		}
	}
}

// TestMarks: Go marks the timestamp-shaped strings of a timestamp field
// whose normalize keeps the text's case (trim cannot change a text of that
// shape: it has no space at either end), and keeps as JSON the JSON as
// written of an NDJSON source's json field that no normalize changes.
func TestMarks(t *testing.T) {
	fields := []contract.Field{
		{Name: "a", Type: contract.Timestamp},
		{Name: "b", Type: contract.Timestamp, Normalize: []string{"trim"}},
		{Name: "c", Type: contract.Timestamp, Normalize: []string{"trim", "lower"}},
		{Name: "d", Type: contract.Timestamp, Normalize: []string{"upper"}},
		{Name: "e", Type: contract.Text},
		{Name: "f", Type: contract.Date},
		{Name: "g", Type: contract.JSON},
		{Name: "h", Type: contract.JSON, Normalize: []string{"trim"}},
	}
	for _, tc := range []struct {
		format contract.Format
		want   []read.Mark
	}{
		{contract.NDJSON, []read.Mark{read.Stamped, read.Stamped, 0, 0, 0, 0, read.RawJSON, 0}},
		{contract.CSV, []read.Mark{read.Stamped, read.Stamped, 0, 0, 0, 0, 0, 0}},
	} {
		if got := Marks(contract.Source{Format: tc.format, Fields: fields}); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Marks = %v, want %v", tc.format, got, tc.want)
		}
	}
}

// TestContractTrim: the contract's trim takes spaces (U+0020) only, so a
// no-break space is kept, and a value of no-break spaces is not blank.
func TestContractTrim(t *testing.T) {
	tx := macrosTx(t)
	ctx := context.Background()
	src := contract.Source{Fields: []contract.Field{
		{Name: "name", Type: contract.FieldType("text"), Normalize: []string{"trim", "lower"}},
		{Name: "amount", Type: contract.FieldType("decimal(10,2)")},
		{Name: "n", Type: contract.FieldType("integer")},
		{Name: "ok", Type: contract.FieldType("boolean")},
	}}
	const nbsp = "\u00a0"
	for _, tc := range []struct {
		in, want [4]string // "NULL" for NULL
	}{
		{[4]string{" A b ", " 12.5 ", " 7 ", " TRUE "}, [4]string{"a b", "12.50", "7", "true"}},
		{[4]string{nbsp + "A" + nbsp, nbsp + "12.5", nbsp + "7", nbsp + "true"}, [4]string{nbsp + "a" + nbsp, "NULL", "NULL", "NULL"}},
		{[4]string{"   ", "", " ", "  "}, [4]string{"NULL", "NULL", "NULL", "NULL"}},
		{[4]string{nbsp, "1", "2", "false"}, [4]string{nbsp, "1.00", "2", "false"}},
	} {
		q := "CREATE OR REPLACE TEMP VIEW elt_records AS SELECT 'f' AS _file, 1 AS _line, NULL::VARCHAR AS _raw, NULL::VARCHAR AS _bad"
		for i, v := range tc.in {
			q += fmt.Sprintf(", %d::UTINYINT AS _type%d, %s AS _text%d", read.KindString, i+1, sqlname.Literal(v), i+1)
		}
		for _, s := range []string{q, "CREATE OR REPLACE TEMP TABLE elt_checked AS " + Select(src)} {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		var got [4]string
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(name, 'NULL'), coalesce(amount::VARCHAR, 'NULL'), coalesce(n::VARCHAR, 'NULL'),
			coalesce(ok::VARCHAR, 'NULL') FROM elt_checked`).Scan(&got[0], &got[1], &got[2], &got[3]); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}
