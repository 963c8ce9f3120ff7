// Package stmt describes a statement without running it: the types DuckDB
// gives its parameters and its result columns, as the PostgreSQL protocol's
// extended query asks before a statement is bound (elt serve). It belongs
// to warehouse, the cgo package, and like it speaks to duckdb-go (here its
// prepared statements); nothing else does.
package stmt

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Column is a result column of a prepared statement: its name and
// DuckDB's name of its type (DECIMAL(18,2), INTEGER[], STRUCT(a INTEGER)...).
type Column struct{ Name, Type string }

// Describe prepares query on conn without running it and says DuckDB's type
// of each parameter ($1..$n; "UNKNOWN" where DuckDB cannot tell) and of
// each result column.
func Describe(ctx context.Context, conn *sql.Conn, query string) (params []string, cols []Column, err error) {
	err = conn.Raw(func(dc any) error {
		st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer st.Close()
		s := st.(*duckdb.Stmt)
		for i := 1; i <= s.NumInput(); i++ {
			t, _ := s.ParamType(i)
			params = append(params, typeName(t))
		}
		n, err := s.ColumnCount()
		for i := 0; i < n; i++ {
			name, _ := s.ColumnName(i)
			cols = append(cols, Column{name, "UNKNOWN"})
			if info, err := s.ColumnTypeInfo(i); err == nil {
				cols[i].Type = describeType(info)
			}
		}
		return err
	})
	return params, cols, err
}

// typeName names a type by DuckDB's C enumeration of them (duckdb_type).
func typeName(t duckdb.Type) string {
	names := strings.Fields(`UNKNOWN BOOLEAN TINYINT SMALLINT INTEGER BIGINT UTINYINT USMALLINT UINTEGER UBIGINT FLOAT DOUBLE TIMESTAMP DATE
		TIME INTERVAL HUGEINT VARCHAR BLOB DECIMAL TIMESTAMP_S TIMESTAMP_MS TIMESTAMP_NS ENUM LIST STRUCT MAP UUID UNION BIT TIMETZ TIMESTAMPTZ UHUGEINT`)
	if int(t) < len(names) {
		return names[t]
	}
	return "UNKNOWN"
}

// describeType names a type as duckdb-go's DatabaseTypeName does.
func describeType(info duckdb.TypeInfo) string {
	switch d := info.Details().(type) {
	case *duckdb.DecimalDetails:
		return fmt.Sprintf("DECIMAL(%d,%d)", d.Width, d.Scale)
	case *duckdb.ListDetails:
		return describeType(d.Child) + "[]"
	case *duckdb.ArrayDetails:
		return fmt.Sprintf("%s[%d]", describeType(d.Child), d.Size)
	case *duckdb.MapDetails:
		return "MAP(" + describeType(d.Key) + ", " + describeType(d.Value) + ")"
	case *duckdb.StructDetails:
		fields := make([]string, len(d.Entries))
		for i, e := range d.Entries {
			fields[i] = `"` + strings.ReplaceAll(e.Name(), `"`, `""`) + `" ` + describeType(e.Info())
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")"
	}
	if info.Alias() == "JSON" {
		return "JSON"
	}
	return typeName(info.InternalType())
}
