package redshift

import (
	"strings"
	"testing"
)

// TestQuoting: Redshift's identifiers are DuckDB's when quoted, bare when
// they can be; its literals double a backslash too.
func TestQuoting(t *testing.T) {
	for _, c := range []struct{ in, ident, literal string }{
		{"orders", `orders`, `'orders'`},
		{"_x$1", `_x$1`, `'_x$1'`},
		{"select", `"select"`, `'select'`},
		{"Orders", `"Orders"`, `'Orders'`},
		{"1st", `"1st"`, `'1st'`},
		{"", `""`, `''`},
		{`a"b`, `"a""b"`, `'a"b'`},
		{"it's", `"it's"`, `'it''s'`},
		{`C:\data\`, `"C:\data\"`, `'C:\\data\\'`},
		{`\'; DROP TABLE t; --`, `"\'; DROP TABLE t; --"`, `'\\''; DROP TABLE t; --'`},
		{"größe", `"größe"`, `'größe'`},
	} {
		if got := Ident(c.in); got != c.ident {
			t.Errorf("Ident(%q) = %s, want %s", c.in, got, c.ident)
		}
		if got := Literal(c.in); got != c.literal {
			t.Errorf("Literal(%q) = %s, want %s", c.in, got, c.literal)
		}
	}
}

// TestDDLBackslash: a description's backslash is doubled in the COMMENT
// statements, so it does not escape the closing quote.
func TestDDLBackslash(t *testing.T) {
	ddl, err := DDL(Table{Schema: "mart", Name: "t", Description: `ends in \`,
		Columns: []Column{{Name: "c", Type: "INTEGER", Description: `a\b`}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`COMMENT ON TABLE mart.t IS 'ends in \\';`, `COMMENT ON COLUMN mart.t.c IS 'a\\b';`} {
		if !strings.Contains(ddl, want) {
			t.Errorf("DDL lacks %s:\n%s", want, ddl)
		}
	}
}
