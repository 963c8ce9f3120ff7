// Package sqlname owns how elt writes names and strings into SQL: quoting
// an identifier or a string literal, and the type of a relation's name once
// quoted (Relation), so a quoted name and a raw one are not both a string;
// and the SET VARIABLE statements of a project's vars (SetVariables).
// It has no cgo and imports nothing of elt's: any package can quote a name
// without linking DuckDB.
//
// The quoting is DuckDB's (and the SQL standard's): an identifier in double
// quotes, a literal in single quotes, the quote character doubled inside.
// Nothing else is escaped, so any UTF-8 text round-trips. A NUL byte is not
// escaped either: DuckDB reads a statement's text up to its first NUL, so a
// quoted name or literal holding one leaves its quote unterminated and the
// statement is refused by the parser (it never runs as another statement).
// DuckDB has no way to write a NUL inside a literal or an identifier.
package sqlname

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Ident quotes an SQL identifier: "name", a double quote inside doubled.
func Ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Literal quotes an SQL string literal: 'text', a single quote inside
// doubled.
func Literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Relation is the name of a table or view as written in SQL, already
// quoted: "schema"."name", or "name" for a temporary table. It is made by
// Qualified or Temp only, so a function taking one cannot be given a raw
// name. The zero Relation is no relation.
type Relation string

// Qualified is the relation name of schema.name: "schema"."name".
func Qualified(schema, name string) Relation { return Relation(Ident(schema) + "." + Ident(name)) }

// Temp is the relation name of a temporary table (which has no schema of
// its own): "name".
func Temp(name string) Relation { return Relation(Ident(name)) }

// StagingPrefix starts the name of a table a build writes before it
// publishes it (build renames it into place, or drops it when the build did
// not get that far); no model may take a name starting with it.
const StagingPrefix = "_elt_staging_"

// Staging is the relation a build writes schema.name under until it
// publishes it: "schema"."_elt_staging_name".
func Staging(schema, name string) Relation { return Qualified(schema, StagingPrefix+name) }

// String returns the quoted name, ready to write into a statement.
func (r Relation) String() string { return string(r) }

// SetVariables are the statements that set DuckDB variables (SET
// VARIABLE), in name order, with each value as SQL: text quoted, numbers
// and booleans as they are.
func SetVariables(vars map[string]any) []string {
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		var v string
		switch x := vars[n].(type) {
		case string:
			v = Literal(x)
		case bool:
			v = strconv.FormatBool(x)
		case float64:
			v = strconv.FormatFloat(x, 'f', -1, 64)
		case int, int64, uint64:
			v = fmt.Sprint(x)
		case nil:
			v = "NULL"
		default:
			v = Literal(fmt.Sprint(x))
		}
		out[i] = "SET VARIABLE " + Ident(n) + " = " + v
	}
	return out
}
