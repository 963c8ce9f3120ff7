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
		measured int
		export   string
		redshift string
	}{
		{"BOOLEAN", 0, 0, `"c"`, "BOOLEAN"},
		{"TINYINT", 0, 0, `CAST("c" AS SMALLINT)`, "SMALLINT"},
		{"UTINYINT", 0, 0, `CAST("c" AS SMALLINT)`, "SMALLINT"},
		{"SMALLINT", 0, 0, `"c"`, "SMALLINT"},
		{"USMALLINT", 0, 0, `CAST("c" AS INTEGER)`, "INTEGER"},
		{"INTEGER", 0, 0, `"c"`, "INTEGER"},
		{"UINTEGER", 0, 0, `CAST("c" AS BIGINT)`, "BIGINT"},
		{"BIGINT", 0, 0, `"c"`, "BIGINT"},
		{"UBIGINT", 0, 0, `CAST("c" AS DECIMAL(20,0))`, "DECIMAL(20,0)"},
		{"HUGEINT", 0, 0, `CAST("c" AS DECIMAL(38,0))`, "DECIMAL(38,0)"},
		{"UHUGEINT", 0, 0, `CAST("c" AS DECIMAL(38,0))`, "DECIMAL(38,0)"},
		{"FLOAT", 0, 0, `"c"`, "REAL"},
		{"REAL", 0, 0, `"c"`, "REAL"},
		{"DOUBLE", 0, 0, `"c"`, "DOUBLE PRECISION"},
		{"DECIMAL(18,2)", 0, 0, `"c"`, "DECIMAL(18,2)"},
		{"DECIMAL(4,1)", 0, 0, `"c"`, "DECIMAL(4,1)"},
		{"DECIMAL(19,4)", 0, 0, `CAST("c" AS DECIMAL(38,4))`, "DECIMAL(38,4)"},
		{"DECIMAL(38,10)", 0, 0, `CAST("c" AS DECIMAL(38,10))`, "DECIMAL(38,10)"},
		{"VARCHAR", 0, 0, `"c"::VARCHAR`, "VARCHAR(256)"},
		{"VARCHAR", 0, 17, `"c"::VARCHAR`, "VARCHAR(32)"},
		{"VARCHAR", 0, 3, `"c"::VARCHAR`, "VARCHAR(16)"},
		{"VARCHAR", 40, 3, `"c"::VARCHAR`, "VARCHAR(40)"},
		{"VARCHAR", 0, 100000, `"c"::VARCHAR`, "VARCHAR(65535)"},
		{"VARCHAR(10)", 0, 0, `"c"::VARCHAR`, "VARCHAR(256)"},
		{"ENUM('a', 'b')", 0, 1, `"c"::VARCHAR`, "VARCHAR(16)"},
		{"UUID", 0, 0, `CAST("c" AS VARCHAR)`, "VARCHAR(36)"},
		{"JSON", 0, 0, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"INTEGER[]", 0, 0, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"INTEGER[3]", 0, 0, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"STRUCT(a INTEGER)", 0, 0, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"MAP(VARCHAR, INTEGER)", 0, 0, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"UNION(a INTEGER, b VARCHAR)", 0, 0, `CAST(to_json("c") AS VARCHAR)`, "SUPER"},
		{"DATE", 0, 0, `"c"`, "DATE"},
		{"TIME", 0, 0, `"c"`, "TIME"},
		{"TIME WITH TIME ZONE", 0, 0, `"c"`, "TIMETZ"},
		{"TIMESTAMP", 0, 0, `"c"`, "TIMESTAMP"},
		{"TIMESTAMP_US", 0, 0, `"c"`, "TIMESTAMP"},
		{"TIMESTAMP_S", 0, 0, `CAST("c" AS TIMESTAMP)`, "TIMESTAMP"},
		{"TIMESTAMP_MS", 0, 0, `CAST("c" AS TIMESTAMP)`, "TIMESTAMP"},
		{"TIMESTAMP_NS", 0, 0, `CAST("c" AS TIMESTAMP)`, "TIMESTAMP"},
		{"TIMESTAMP WITH TIME ZONE", 0, 0, `"c"`, "TIMESTAMPTZ"},
		{"INTERVAL", 0, 0, `CAST("c" AS VARCHAR)`, "VARCHAR(64)"},
		{"BLOB", 0, 0, `"c"`, "VARBYTE(256)"},
		{"BLOB", 0, 5000, `"c"`, "VARBYTE(8192)"},
		{"BLOB", 0, 5_000_000, `"c"`, "VARBYTE(1024000)"},
		{"BIT", 0, 0, `CAST("c" AS VARCHAR)`, "VARCHAR(256)"},
		{" bigint ", 0, 0, `"c"`, "BIGINT"},
	} {
		m, err := Map(Column{Name: "c", Type: tc.typ, Length: tc.length, Measured: tc.measured})
		if err != nil || m.Export != tc.export || m.Redshift != tc.redshift {
			t.Errorf("%s (length %d, measured %d): got %q %q %v, want %q %q", tc.typ, tc.length, tc.measured, m.Export, m.Redshift, err, tc.export, tc.redshift)
		}
	}
	if _, err := Map(Column{Name: "v", Type: "VARIANT"}); err == nil || !strings.Contains(err.Error(), "no Redshift type for DuckDB type VARIANT") {
		t.Errorf("unknown type: %v", err)
	}
	if m, _ := Map(Column{Name: `we"ird`, Type: "INTEGER"}); m.Export != `"we""ird"` {
		t.Errorf("quoting: %q", m.Export)
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
