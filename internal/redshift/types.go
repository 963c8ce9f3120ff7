// Package redshift maps DuckDB schemas to Amazon Redshift: the column types
// Redshift can load, the casts exports need to get there, CREATE TABLE
// statements and COPY commands. One mapping serves both the DDL and the
// export, so the two cannot drift apart.
package redshift

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/sqlname"
)

// Column is one column of a built relation, with what the model header
// says about it.
type Column struct {
	Name string
	// Type is DuckDB's type name, as information_schema reports it.
	Type string
	// Description goes into COMMENT ON COLUMN.
	Description string
	// Length is the declared VARCHAR/VARBYTE size in bytes: the header's
	// length, else one a source's max_length passes on; 0 for the default.
	Length int
	// JSONText marks a text column computed from JSON (a json field, a
	// nested value), whose default size is Redshift's largest.
	JSONText bool
	NotNull  bool
	Encode   string
}

// The sizes a column without a declared length gets: they depend on the
// project only, never on the data a warehouse happens to hold.
const (
	// DefaultVarchar is the size of a text column.
	DefaultVarchar = 256
	// MaxVarchar is Redshift's largest VARCHAR, the size of JSON text.
	MaxVarchar = 65535
	// DefaultVarbyte is the size of a binary column.
	DefaultVarbyte = 256
	// MaxVarbyte is Redshift's largest VARBYTE.
	MaxVarbyte = 1024000
)

// Mapped is how a column travels: the SQL that casts it for export and the
// Redshift type it lands in.
type Mapped struct {
	Export   string // SQL expression producing the exported value
	Redshift string // Redshift column type
}

var decimalRe = regexp.MustCompile(`^DECIMAL\((\d+),\s*(\d+)\)$`)

// Map returns how a column is exported and typed in Redshift. Redshift has
// no unsigned or 128-bit integers, no UUID, no nanosecond timestamps and no
// nested types, so those are cast; decimals keep precision ≤ 18 or become
// 38 (what Redshift reads from Parquet).
func Map(c Column) (Mapped, error) {
	col := sqlname.Ident(c.Name)
	t := strings.ToUpper(strings.TrimSpace(c.Type))
	plain := func(rs string) (Mapped, error) { return Mapped{Export: col, Redshift: rs}, nil }
	cast := func(to, rs string) (Mapped, error) {
		return Mapped{Export: fmt.Sprintf("CAST(%s AS %s)", col, to), Redshift: rs}, nil
	}
	switch {
	case t == "BOOLEAN":
		return plain("BOOLEAN")
	case t == "TINYINT" || t == "UTINYINT":
		return cast("SMALLINT", "SMALLINT")
	case t == "SMALLINT":
		return plain("SMALLINT")
	case t == "USMALLINT":
		return cast("INTEGER", "INTEGER")
	case t == "INTEGER":
		return plain("INTEGER")
	case t == "UINTEGER":
		return cast("BIGINT", "BIGINT")
	case t == "BIGINT":
		return plain("BIGINT")
	case t == "UBIGINT":
		return cast("DECIMAL(20,0)", "DECIMAL(20,0)")
	case t == "HUGEINT" || t == "UHUGEINT":
		return cast("DECIMAL(38,0)", "DECIMAL(38,0)")
	case t == "FLOAT" || t == "REAL":
		return plain("REAL")
	case t == "DOUBLE":
		return plain("DOUBLE PRECISION")
	case decimalRe.MatchString(t):
		m := decimalRe.FindStringSubmatch(t)
		p, _ := strconv.Atoi(m[1])
		if p <= 18 {
			return plain(fmt.Sprintf("DECIMAL(%s,%s)", m[1], m[2]))
		}
		return cast("DECIMAL(38,"+m[2]+")", "DECIMAL(38,"+m[2]+")")
	case t == "VARCHAR" || strings.HasPrefix(t, "VARCHAR(") || strings.HasPrefix(t, "ENUM("):
		return Mapped{Export: col + "::VARCHAR", Redshift: fmt.Sprintf("VARCHAR(%d)", size(c, varcharDefault(c), MaxVarchar))}, nil
	case t == "UUID":
		return cast("VARCHAR", "VARCHAR(36)")
	case Nested(t):
		// Nested values travel as JSON text, for a SUPER column.
		return Mapped{Export: fmt.Sprintf("CAST(to_json(%s) AS VARCHAR)", col), Redshift: "SUPER"}, nil
	case t == "DATE":
		return plain("DATE")
	case t == "TIME":
		return plain("TIME")
	case t == "TIME WITH TIME ZONE":
		return plain("TIMETZ")
	case t == "TIMESTAMP" || t == "TIMESTAMP_S" || t == "TIMESTAMP_MS" || t == "TIMESTAMP_NS" || t == "TIMESTAMP_US":
		if t == "TIMESTAMP" || t == "TIMESTAMP_US" {
			return plain("TIMESTAMP")
		}
		return cast("TIMESTAMP", "TIMESTAMP")
	case t == "TIMESTAMP WITH TIME ZONE":
		return plain("TIMESTAMPTZ")
	case t == "INTERVAL":
		return cast("VARCHAR", "VARCHAR(64)")
	case t == "BLOB":
		return plain(fmt.Sprintf("VARBYTE(%d)", size(c, DefaultVarbyte, MaxVarbyte)))
	case t == "BIT":
		return cast("VARCHAR", fmt.Sprintf("VARCHAR(%d)", size(c, varcharDefault(c), MaxVarchar)))
	}
	return Mapped{}, fmt.Errorf("column %s: no Redshift type for DuckDB type %s; cast it in the model", c.Name, c.Type)
}

// size is the declared length, else def; never above max.
func size(c Column, def, max int) int {
	n := c.Length
	if n <= 0 {
		n = def
	}
	return min(n, max)
}

// Size is the size in bytes of a text or binary column's Redshift type
// (VARCHAR, VARBYTE), 0 for other types.
func Size(c Column) int {
	switch t := strings.ToUpper(strings.TrimSpace(c.Type)); {
	case t == "BLOB":
		return size(c, DefaultVarbyte, MaxVarbyte)
	case t == "VARCHAR" || strings.HasPrefix(t, "VARCHAR(") || strings.HasPrefix(t, "ENUM(") || t == "BIT":
		return size(c, varcharDefault(c), MaxVarchar)
	}
	return 0
}

// varcharDefault is the VARCHAR size of a column without a declared length.
func varcharDefault(c Column) int {
	if c.JSONText {
		return MaxVarchar
	}
	return DefaultVarchar
}

// Advice is the size measured data suggests for a text or binary column:
// the longest value in bytes rounded up to a power of two (at least 16),
// within Redshift's limit for the type. It is advice only: the DDL takes
// declared sizes, so it is the same on any warehouse.
func Advice(c Column, longest int) int {
	n := 16
	for n < longest {
		n *= 2
	}
	if strings.EqualFold(strings.TrimSpace(c.Type), "BLOB") {
		return min(n, MaxVarbyte)
	}
	return min(n, MaxVarchar)
}

// Nested tells whether a DuckDB type is JSON or a nested type (a list, an
// array, a struct, a map, a union): one whose values travel as JSON text,
// for a SUPER column.
func Nested(t string) bool {
	t = strings.ToUpper(strings.TrimSpace(t))
	return t == "JSON" || strings.HasSuffix(t, "]") || strings.HasPrefix(t, "STRUCT(") || strings.HasPrefix(t, "MAP(") || strings.HasPrefix(t, "UNION(")
}
