package warehouse

import (
	"context"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/sqlname"
)

// TestQuotingRoundTrips: what sqlname quotes, DuckDB reads back as the
// same name or text, so a name never turns into more SQL.
func TestQuotingRoundTrips(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct{ name, schema, table, column, text string }{
		{"plain", "gold", "orders", "amount", "paid"},
		{"double quotes", `a"b`, `"t"`, `c""d`, `say "hi"`},
		{"single quotes", "it's", "o'neil", "x'", "it's"},
		{"injection", `x"; DROP TABLE t; --`, `y"."z`, `"); --`, `'); DROP TABLE t; --`},
		{"dots and spaces", "my schema", "a.b", "col umn", "a.b c"},
		{"unicode", "größe", "café", "€", "😀 é"},
		{"newline and backslash", "s\nt", `t\`, "c\r\n", `a\'b`},
		{"case kept", "Gold", "Orders", "Amount", "MiXeD"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rel := sqlname.Qualified(c.schema, c.table)
			for _, st := range []string{
				"CREATE SCHEMA " + sqlname.Ident(c.schema),
				"CREATE TABLE " + rel.String() + " (" + sqlname.Ident(c.column) + " VARCHAR)",
				"INSERT INTO " + rel.String() + " VALUES (" + sqlname.Literal(c.text) + ")",
			} {
				if _, err := db.ExecContext(ctx, st); err != nil {
					t.Fatalf("%s: %v", st, err)
				}
			}
			defer db.ExecContext(ctx, "DROP SCHEMA "+sqlname.Ident(c.schema)+" CASCADE")
			var schema, table, column, text string
			err := db.QueryRowContext(ctx, `SELECT table_schema, table_name, column_name FROM information_schema.columns
				WHERE table_schema = ? AND table_name = ?`, c.schema, c.table).Scan(&schema, &table, &column)
			if err != nil {
				t.Fatalf("the table is not named as given: %v", err)
			}
			if schema != c.schema || table != c.table || column != c.column {
				t.Errorf("names read back %q.%q.%q, want %q.%q.%q", schema, table, column, c.schema, c.table, c.column)
			}
			if err := db.QueryRowContext(ctx, "SELECT "+sqlname.Ident(c.column)+" FROM "+rel.String()).Scan(&text); err != nil {
				t.Fatal(err)
			}
			if text != c.text {
				t.Errorf("literal read back %q, want %q", text, c.text)
			}
			if err := db.QueryRowContext(ctx, "SELECT "+sqlname.Literal(c.text)).Scan(&text); err != nil || text != c.text {
				t.Errorf("SELECT %s = %q, %v; want %q", sqlname.Literal(c.text), text, err, c.text)
			}
		})
	}
}

// TestQuotedNULRefused: DuckDB reads a statement up to its first NUL, so
// a name or literal holding one leaves its quote open and the statement is
// refused by the parser; it never runs cut short. sqlname keeps the NUL
// (DuckDB has no escape for it in a literal or an identifier).
func TestQuotedNULRefused(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (v VARCHAR)"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, sql, want string }{
		{"literal", "INSERT INTO t VALUES (" + sqlname.Literal("a\x00'); DROP TABLE t; --") + ")", "unterminated quoted string"},
		{"identifier", "SELECT 1 AS " + sqlname.Ident("a\x00b"), "unterminated quoted identifier"},
		{"relation", "CREATE TABLE " + sqlname.Qualified("main", "x\x00y").String() + " (i INT)", "unterminated quoted identifier"},
		{"temp", "CREATE TEMP TABLE " + sqlname.Temp("x\x00").String() + " (i INT)", "unterminated quoted identifier"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := db.ExecContext(ctx, c.sql)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%q: got %v, want an error saying %q", c.sql, err, c.want)
			}
		})
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Errorf("t has %d rows (%v), want 0 and the table still there", n, err)
	}
}
