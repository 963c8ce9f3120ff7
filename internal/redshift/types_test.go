package redshift

import (
	"strings"
	"testing"
)

// TestMap covers every DuckDB type the mapping knows: the export cast and
// the Redshift type, and the refusal of one it does not.
func TestMap(t *testing.T) {
	for _, tc := range []struct {
		typ      string
		length   int
		json     bool
		export   string
		redshift string
	}{
		{"BOOLEAN", 0, false, `"c"`, "BOOLEAN"},
		{"TINYINT", 0, false, `CAST("c" AS SMALLINT)`, "SMALLINT"},
		{"UTINYINT", 0, false, `CAST("c" AS SMALLINT)`, "SMALLINT"},
		{"SMALLINT", 0, false, `"c"`, "SMALLINT"},
		{"USMALLINT", 0, false, `CAST("c" AS INTEGER)`, "INTEGER"},
		{"INTEGER", 0, false, `"c"`, "INTEGER"},
		{"UINTEGER", 0, false, `CAST("c" AS BIGINT)`, "BIGINT"},
		{"BIGINT", 0, false, `"c"`, "BIGINT"},
		{"UBIGINT", 0, false, `CAST("c" AS DECIMAL(20,0))`, "DECIMAL(20,0)"},
		{"HUGEINT", 0, false, `CAST("c" AS DECIMAL(38,0))`, "DECIMAL(38,0)"},
		{"UHUGEINT", 0, false, `CAST("c" AS DECIMAL(38,0))`, "DECIMAL(38,0)"},
		{"FLOAT", 0, false, `"c"`, "REAL"},
		{"REAL", 0, false, `"c"`, "REAL"},
		{"DOUBLE", 0, false, `"c"`, "DOUBLE PRECISION"},
		{"DECIMAL(18,2)", 0, false, `"c"`, "DECIMAL(18,2)"},
		{"DECIMAL(4,1)", 0, false, `"c"`, "DECIMAL(4,1)"},
		{"DECIMAL(19,4)", 0, false, `CAST("c" AS DECIMAL(38,4))`, "DECIMAL(38,4)"},
		{"DECIMAL(38,10)", 0, false, `CAST("c" AS DECIMAL(38,10))`, "DECIMAL(38,10)"},
		{"VARCHAR", 0, false, `"c"::VARCHAR`, "VARCHAR(256)"},
		{"VARCHAR", 40, false, `"c"::VARCHAR`, "VARCHAR(40)"},
		{"VARCHAR", 100000, false, `"c"::VARCHAR`, "VARCHAR(65535)"},
		{"VARCHAR", 0, true, `"c"::VARCHAR`, "VARCHAR(65535)"},
		{"VARCHAR", 300, true, `"c"::VARCHAR`, "VARCHAR(300)"},
		{"VARCHAR(10)", 0, false, `"c"::VARCHAR`, "VARCHAR(256)"},
		{"ENUM('a', 'b')", 0, false, `"c"::VARCHAR`, "VARCHAR(256)"},
		{"UUID", 0, false, `CAST("c" AS VARCHAR)`, "VARCHAR(36)"},
		{"JSON", 0, false, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"INTEGER[]", 0, false, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"INTEGER[3]", 0, false, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"STRUCT(a INTEGER)", 0, false, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"MAP(VARCHAR, INTEGER)", 0, false, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"UNION(a INTEGER, b VARCHAR)", 0, false, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"DATE", 0, false, `"c"`, "DATE"},
		{"TIME", 0, false, `"c"`, "TIME"},
		{"TIME WITH TIME ZONE", 0, false, `"c"`, "TIMETZ"},
		{"TIMESTAMP", 0, false, `"c"`, "TIMESTAMP"},
		{"TIMESTAMP_US", 0, false, `"c"`, "TIMESTAMP"},
		{"TIMESTAMP_S", 0, false, `CAST("c" AS TIMESTAMP)`, "TIMESTAMP"},
		{"TIMESTAMP_MS", 0, false, `CAST("c" AS TIMESTAMP)`, "TIMESTAMP"},
		{"TIMESTAMP_NS", 0, false, `CAST("c" AS TIMESTAMP)`, "TIMESTAMP"},
		{"TIMESTAMP WITH TIME ZONE", 0, false, `"c"`, "TIMESTAMPTZ"},
		{"INTERVAL", 0, false, `CAST("c" AS VARCHAR)`, "VARCHAR(64)"},
		{"BLOB", 0, false, `"c"`, "VARBYTE(256)"},
		{"BLOB", 5000, false, `"c"`, "VARBYTE(5000)"},
		{"BLOB", 5_000_000, false, `"c"`, "VARBYTE(1024000)"},
		{"BIT", 0, false, `CAST("c" AS VARCHAR)`, "VARCHAR(256)"},
		{" bigint ", 0, false, `"c"`, "BIGINT"},
	} {
		m, err := Map(Column{Name: "c", Type: tc.typ, Length: tc.length, JSONText: tc.json})
		if err != nil || m.Export != tc.export || m.Redshift != tc.redshift {
			t.Errorf("%s (length %d, json %t): got %q %q %v, want %q %q", tc.typ, tc.length, tc.json, m.Export, m.Redshift, err, tc.export, tc.redshift)
		}
	}
	if _, err := Map(Column{Name: "v", Type: "VARIANT"}); err == nil || !strings.Contains(err.Error(), "no Redshift type for DuckDB type VARIANT") {
		t.Errorf("unknown type: %v", err)
	}
	if m, _ := Map(Column{Name: `we"ird`, Type: "INTEGER"}); m.Export != `"we""ird"` {
		t.Errorf("quoting: %q", m.Export)
	}
}

// TestAdvice rounds a measured length up to a power of two, at least 16,
// within the type's limit.
func TestAdvice(t *testing.T) {
	for _, tc := range []struct {
		typ           string
		longest, want int
	}{
		{"VARCHAR", 0, 16}, {"VARCHAR", 3, 16}, {"VARCHAR", 17, 32}, {"VARCHAR", 256, 256}, {"VARCHAR", 100000, 65535},
		{"BLOB", 5000, 8192}, {"BLOB", 5_000_000, 1024000},
	} {
		if got := Advice(Column{Name: "c", Type: tc.typ}, tc.longest); got != tc.want {
			t.Errorf("Advice(%s, %d) = %d, want %d", tc.typ, tc.longest, got, tc.want)
		}
	}
}

// TestIdent quotes Redshift identifiers only where needed.
func TestIdent(t *testing.T) {
	for in, want := range map[string]string{"user_id": "user_id", "order": `"order"`, "Name": `"Name"`, `a"b`: `"a""b"`, "x$1": "x$1", "1x": `"1x"`} {
		if got := Ident(in); got != want {
			t.Errorf("Ident(%q) = %s, want %s", in, got, want)
		}
	}
}
