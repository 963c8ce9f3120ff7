package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// CreateMacros creates the project's macros (macros/*.sql) on q, in file
// order, so models, checks and later queries can call them. With sync (the
// warehouse, which keeps them between builds) a macro no file declares any
// more is dropped first, so nothing calls a stale one; a fresh database (in
// memory) has none to drop. A macro may not take the name of a function
// DuckDB has, nor the elt_ prefix of the tool's own macros: the tool's SQL
// calls those, and a macro of the same name would change what it does. A
// failing statement is reported at its file and line. DuckDB's function
// list takes 20 to 50 ms to read, so it is read only where needed.
func CreateMacros(ctx context.Context, q warehouse.Querier, macros []project.Macro, sync bool) error {
	builtin := map[string]bool{}
	if slices.ContainsFunc(macros, func(m project.Macro) bool { return len(m.Statements) > 0 }) {
		var err error
		if builtin, err = warehouse.Set(ctx, q, `SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE database_name = 'system'`); err != nil {
			return err
		}
	}
	declared := map[string]bool{}
	var errs diag.Errors
	for _, m := range macros {
		for _, st := range m.Statements {
			name := MacroName(st.Name)
			if builtin[name] || strings.HasPrefix(name, "elt_") {
				what := "DuckDB has a function " + name
				if !builtin[name] {
					what = "names starting with elt_ are the tool's own macros"
				}
				l, col := diag.Position(st.SQL, strings.Index(st.SQL, st.Name))
				if l == 1 {
					col -= st.Shift
				}
				errs = append(errs, diag.At(m.Path, m.Text, st.Line+l-1, col,
					"a macro may not be named %s: %s, and a macro of that name would change what every query calling it does", st.Name, what))
				continue
			}
			if !st.Temp {
				declared[strings.ToLower(strings.ReplaceAll(st.Name, `"`, ""))] = true
			}
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if sync {
		stale, err := staleMacros(ctx, q, declared)
		if err != nil {
			return err
		}
		for _, drop := range stale {
			if _, err := q.ExecContext(ctx, drop); err != nil {
				return fmt.Errorf("drop a macro no file declares: %w", err)
			}
		}
	}
	for _, m := range macros {
		for _, st := range m.Statements {
			if _, err := q.ExecContext(ctx, st.SQL); err != nil {
				qe := warehouse.AsQueryError(err)
				line, col := st.Line, 1
				if qe.Line > 0 {
					line, col = st.Line+qe.Line-1, qe.Col
					if qe.Line == 1 && col > 6+st.Shift {
						col -= st.Shift
					}
				}
				return diag.At(m.Path, m.Text, line, col, "%s: %s", qe.Kind, qe.Msg)
			}
		}
	}
	return nil
}

// staleMacros are the DROP statements of the warehouse's macros that no
// file of macros/ declares.
func staleMacros(ctx context.Context, q warehouse.Querier, declared map[string]bool) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT schema_name, function_name, function_type FROM duckdb_functions()
		WHERE database_name = current_database() AND NOT internal AND function_type IN ('macro', 'table_macro')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var schema, name, kind string
		if err := rows.Scan(&schema, &name, &kind); err != nil {
			return nil, err
		}
		id := strings.ToLower(name)
		if declared[id] || declared[strings.ToLower(schema)+"."+id] {
			continue
		}
		what := "MACRO"
		if kind == "table_macro" {
			what = "MACRO TABLE"
		}
		out = append(out, "DROP "+what+" IF EXISTS "+sqlname.Qualified(schema, name).String())
	}
	return out, rows.Err()
}
