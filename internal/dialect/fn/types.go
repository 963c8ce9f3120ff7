package fn

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/digitalservices/elt/internal/redshift"
)

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
