package plan

import (
	"errors"
	"regexp"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// macroRe is the start of a CREATE MACRO statement (CREATE FUNCTION is its
// synonym) up to the macro's name.
var macroRe = regexp.MustCompile(`(?is)^create\s+(or\s+replace\s+)?(temp\s+|temporary\s+)?(macro|function)\s+((?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*))?)`)

// Macros separates each macro file into statements with DuckDB's parser
// (warehouse.Statements, never a splitter of elt's own) and checks that
// each is one CREATE [OR REPLACE] [TEMP] MACRO (or FUNCTION) statement;
// anything else, and a text DuckDB cannot parse, is an error at its
// file:line:col. A build creates the macros each time, so CREATE MACRO
// becomes CREATE OR REPLACE MACRO. The statements are kept in each
// macro's Statements.
func Macros(macros []project.Macro) error {
	var errs diag.Errors
	type place struct {
		path string
		line int
	}
	seen := map[string]place{}
	for i := range macros {
		m := &macros[i]
		m.Statements = nil
		sts, err := warehouse.Statements(m.Text)
		if qe, ok := errors.AsType[*warehouse.QueryError](err); ok {
			errs = append(errs, diag.At(m.Path, m.Text, max(qe.Line, 1), qe.Col, "%s: %s", qe.Kind, qe.Msg))
			continue
		}
		if err != nil {
			errs = append(errs, &diag.FileError{Path: m.Path, Msg: err.Error(),
				Hint: "end each CREATE MACRO statement with a semicolon outside comments and quotes"})
			continue
		}
		for _, s := range sts {
			line, col := diag.Position(m.Text, s.Offset)
			loc := macroRe.FindStringSubmatchIndex(s.SQL)
			if loc == nil {
				errs = append(errs, diag.At(m.Path, m.Text, line, col, "a macro file holds only CREATE MACRO statements"))
				continue
			}
			st := project.Statement{SQL: s.SQL, Line: line, Name: s.SQL[loc[8]:loc[9]], Temp: loc[4] >= 0}
			// A second macro of the same name would replace the first
			// without a word (CREATE MACRO is taken as CREATE OR REPLACE).
			key := macroKey(st.Name, st.Temp)
			if first, ok := seen[key]; ok {
				l, c := diag.Position(m.Text, s.Offset+loc[8])
				errs = append(errs, diag.At(m.Path, m.Text, l, c, "macro %s is created again: %s:%d creates it first, and this one would replace it without a word; give one of them another name", st.Name, first.path, first.line))
				continue
			}
			seen[key] = place{m.Path, line}
			if loc[2] < 0 {
				st.SQL = st.SQL[:len("CREATE")] + " OR REPLACE" + st.SQL[len("CREATE"):]
				st.Shift = len(" OR REPLACE")
			}
			m.Statements = append(m.Statements, st)
		}
	}
	return errs.Err()
}

// MacroName is a macro's name without its schema and quotes, lower case,
// as DuckDB resolves a call to it.
func MacroName(name string) string {
	_, n := splitName(name)
	return n
}

// macroKey names a macro as DuckDB keeps it: its schema (main unless
// written, temp for a TEMP macro) and name, lower case, without quotes.
func macroKey(name string, temp bool) string {
	schema, n := splitName(name)
	switch {
	case schema != "":
	case temp:
		schema = "temp"
	default:
		schema = "main"
	}
	return schema + "." + n
}

// splitName splits a written name, schema.name or name, at its last dot
// outside quotes, each part unquoted and lower case ("" for no schema).
func splitName(name string) (schema, n string) {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' && strings.Count(name[:i], `"`)%2 == 0 {
			schema, name = unquote(name[:i]), name[i+1:]
			break
		}
	}
	return schema, unquote(name)
}

// unquote is an identifier as DuckDB reads it: without its quotes, lower
// case.
func unquote(s string) string {
	if strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`) && len(s) > 1 {
		s = strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}
