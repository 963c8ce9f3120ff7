// Package redshift maps DuckDB schemas to Amazon Redshift: the column types
// Redshift can load, the casts exports need to get there, CREATE TABLE
// statements and COPY commands. One mapping serves both the DDL and the
// export, so the two cannot drift apart.
package redshift

import (
	"fmt"
	"github.com/digitalservices/elt/internal/warehouse"
	"regexp"
	"strconv"
	"strings"
)

// Column is one column of a built relation, with what the model header
// says about it.
type Column struct {
	Name string
	// Type is DuckDB's type name, as information_schema reports it.
	Type string
	// Description goes into COMMENT ON COLUMN.
	Description string
	// Length is the configured VARCHAR/VARBYTE size; 0 to use Measured.
	Length int
	// Measured is the longest value in bytes, for VARCHAR and BLOB columns.
	Measured int
	NotNull  bool
	Encode   string
}

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
	col := warehouse.Ident(c.Name)
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
		return Mapped{Export: col + "::VARCHAR", Redshift: fmt.Sprintf("VARCHAR(%d)", size(c, 256, 65535))}, nil
	case t == "UUID":
		return cast("VARCHAR", "VARCHAR(36)")
	case t == "JSON" || strings.HasSuffix(t, "[]") || strings.HasPrefix(t, "STRUCT(") || strings.HasPrefix(t, "MAP(") || strings.HasPrefix(t, "UNION(") || regexp.MustCompile(`\[\d+\]$`).MatchString(t):
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
		return plain(fmt.Sprintf("VARBYTE(%d)", size(c, 256, 1024000)))
	case t == "BIT":
		return cast("VARCHAR", fmt.Sprintf("VARCHAR(%d)", size(c, 256, 65535)))
	}
	return Mapped{}, fmt.Errorf("column %s: no Redshift type for DuckDB type %s; cast it in the model", c.Name, c.Type)
}

// size is the configured length, else the measured one rounded up to a
// power of two (at least 16), else def; never above max.
func size(c Column, def, max int) int {
	n := c.Length
	if n == 0 && c.Measured > 0 {
		n = 16
		for n < c.Measured {
			n *= 2
		}
	}
	if n == 0 {
		n = def
	}
	if n > max {
		n = max
	}
	return n
}
