package sqlname

import "testing"

func TestQuoting(t *testing.T) {
	for _, c := range []struct {
		name, in, ident, literal string
	}{
		{"plain", "orders", `"orders"`, `'orders'`},
		{"empty", "", `""`, `''`},
		{"double quote", `a"b`, `"a""b"`, `'a"b'`},
		{"single quote", "it's", `"it's"`, `'it''s'`},
		{"only quotes", `"'`, `"""'"`, `'"'''`},
		{"quotes doubled again", `""`, `""""""`, `'""'`},
		{"backslash kept", `a\b`, `"a\b"`, `'a\b'`},
		{"dot is no separator", "gold.orders", `"gold.orders"`, `'gold.orders'`},
		{"spaces and case", "Order Lines", `"Order Lines"`, `'Order Lines'`},
		{"unicode", "café_ü€😀", `"café_ü€😀"`, `'café_ü€😀'`},
		{"newline", "a\nb", "\"a\nb\"", "'a\nb'"},
		{"statement inside", `x"; DROP TABLE t; --`, `"x""; DROP TABLE t; --"`, `'x"; DROP TABLE t; --'`},
		{"literal breakout", `x'; DROP TABLE t; --`, `"x'; DROP TABLE t; --"`, `'x''; DROP TABLE t; --'`},
		// Kept as is: DuckDB stops reading at the NUL and refuses the
		// unterminated quote (warehouse's TestQuotedNULRefused).
		{"NUL", "a\x00b", "\"a\x00b\"", "'a\x00b'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Ident(c.in); got != c.ident {
				t.Errorf("Ident(%q) = %q, want %q", c.in, got, c.ident)
			}
			if got := Literal(c.in); got != c.literal {
				t.Errorf("Literal(%q) = %q, want %q", c.in, got, c.literal)
			}
		})
	}
}

func TestRelation(t *testing.T) {
	for _, c := range []struct {
		name string
		rel  Relation
		want string
	}{
		{"qualified", Qualified("gold", "orders"), `"gold"."orders"`},
		{"quotes in both parts", Qualified(`a"b`, `c"d`), `"a""b"."c""d"`},
		{"dot in a part", Qualified("a.b", "c"), `"a.b"."c"`},
		{"empty parts", Qualified("", ""), `"".""`},
		{"unicode", Qualified("silver", "größe"), `"silver"."größe"`},
		{"temp", Temp("changes_gold__orders"), `"changes_gold__orders"`},
		{"temp with quote", Temp(`x"y`), `"x""y"`},
		{"zero", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.rel.String(); got != c.want {
				t.Errorf("String() = %q, want %q", got, c.want)
			}
			if string(c.rel) != c.want {
				t.Errorf("string(rel) = %q, want %q", string(c.rel), c.want)
			}
		})
	}
}
