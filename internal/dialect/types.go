// Package dialect translates DuckDB SQL into the SQL of another engine
// (PostgreSQL, Amazon Redshift) from DuckDB's own syntax tree of it
// (json_serialize_sql), so a project's models are written once, in
// DuckDB SQL, and built where its target says.
//
// The printer and the rewrites of whole queries are here; dialect/fn holds
// the engines and how each writes DuckDB's functions, dialect/tree reads
// DuckDB's syntax tree and resolves its names.
package dialect

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/digitalservices/elt/internal/dialect/fn"
	"github.com/digitalservices/elt/internal/redshift"
)

// Engine is an SQL engine a target can build in besides the embedded
// DuckDB.
type Engine = fn.Engine

// The engines elt translates models for.
const (
	Postgres = fn.Postgres
	Redshift = fn.Redshift
)

// Engines lists the engines a target may name, in the order errors list
// them.
var Engines = []Engine{Postgres, Redshift}

// Known tells whether e is an engine elt builds in.
func Known(e Engine) bool { return e == Postgres || e == Redshift }

var (
	sizedType = regexp.MustCompile(`^(VARCHAR|DECIMAL|NUMERIC|CHAR|BPCHAR)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$`)
	// nestedType is DuckDB's spelling of lists, arrays, structs, maps and
	// unions.
	nestedType = regexp.MustCompile(`(\[\d*\]$)|^(STRUCT|MAP|UNION|LIST)\s*\(`)
)

// Type returns the engine's name for a DuckDB type (as DuckDB prints it:
// VARCHAR(50), DECIMAL(10,2), TIMESTAMP WITH TIME ZONE, INTEGER[] ...).
// Types with no faithful counterpart are an error naming the type and the
// engine: on PostgreSQL nested types (lists, structs, maps), which elt
// does not translate; on Redshift what redshift.Map refuses.
func Type(duck string, e Engine) (string, error) {
	t := strings.ToUpper(strings.Join(strings.Fields(duck), " "))
	if e == Redshift {
		if t == "JSON" {
			// Kept as the text it was read as (a source's json field), as
			// PostgreSQL's json keeps it; JSON_PARSE makes it SUPER there.
			return fmt.Sprintf("VARCHAR(%d)", redshift.MaxVarchar), nil
		}
		m, err := redshift.Map(redshift.Column{Name: "value", Type: t, Length: varcharLength(t)})
		if err != nil {
			return "", fmt.Errorf("the DuckDB type %s has no Redshift counterpart", duck)
		}
		return m.Redshift, nil
	}
	if e != Postgres {
		return "", fmt.Errorf("unknown engine %q (want one of %v)", e, Engines)
	}
	if m := sizedType.FindStringSubmatch(t); m != nil {
		switch m[1] {
		case "VARCHAR":
			return "varchar(" + m[2] + ")", nil
		case "CHAR", "BPCHAR":
			return "char(" + m[2] + ")", nil
		}
		if m[3] == "" {
			return "numeric(" + m[2] + ")", nil
		}
		return "numeric(" + m[2] + "," + m[3] + ")", nil
	}
	if nestedType.MatchString(t) {
		return "", fmt.Errorf("the DuckDB type %s (a list, struct or map) has no translation for PostgreSQL: turn it into text with to_json(...)::VARCHAR in the model", duck)
	}
	switch t {
	case "VARCHAR", "TEXT", "STRING":
		return "text", nil
	case "BOOLEAN", "BOOL":
		return "boolean", nil
	case "TINYINT", "SMALLINT", "UTINYINT":
		return "smallint", nil
	case "INTEGER", "INT", "USMALLINT":
		return "integer", nil
	case "BIGINT", "UINTEGER":
		return "bigint", nil
	case "UBIGINT":
		return "numeric(20,0)", nil
	case "HUGEINT", "UHUGEINT":
		return "numeric(38,0)", nil
	case "DECIMAL", "NUMERIC":
		return "numeric(18,3)", nil // DuckDB's DECIMAL without a width
	case "FLOAT", "REAL":
		return "real", nil
	case "DOUBLE":
		return "double precision", nil
	case "DATE":
		return "date", nil
	case "TIME":
		return "time", nil
	case "TIME WITH TIME ZONE":
		return "timetz", nil
	case "TIMESTAMP", "TIMESTAMP_US", "DATETIME":
		return "timestamp", nil
	case "TIMESTAMP_S":
		return "timestamp(0)", nil
	case "TIMESTAMP_MS":
		return "timestamp(3)", nil
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ":
		return "timestamptz", nil
	case "INTERVAL":
		return "interval", nil
	case "UUID":
		return "uuid", nil
	case "JSON":
		return "json", nil // the text as written, as DuckDB keeps it (jsonb would reorder keys)
	case "BLOB", "BYTEA":
		return "bytea", nil
	}
	return "", fmt.Errorf("the DuckDB type %s has no PostgreSQL counterpart elt knows: cast it in the model", duck)
}

// varcharLength is n of VARCHAR(n), 0 without one.
func varcharLength(t string) int {
	var n int
	if m := sizedType.FindStringSubmatch(t); m != nil && m[1] == "VARCHAR" {
		fmt.Sscan(m[2], &n)
	}
	return n
}
