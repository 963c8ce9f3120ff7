package describe

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// CheckHeaders checks, before anything runs, that the names a model's header
// gives are columns the model returns: each entry of columns:, unique_key
// (the key of online:), the columns order_by orders by, the expressions of
// export partition_by and of blocking expression checks, the column of a
// blocking model-level check, and redshift dist_key and sort_key; and that
// each source field's check is true or false for a record (sourceChecks).
// The output columns come from DuckDB itself, without data (Describe: each
// model of ids and those upstream of it as an empty table of the columns and
// types DuckDB binds its SQL to, so a fresh warehouse is checked as well as a
// built one). A model whose SQL does not bind there is left to the build,
// which reports its error where it stands; so are the models downstream of
// it. Every problem is reported together, at its place in the header or in
// elt.yaml, with the model's columns.
func CheckHeaders(ctx context.Context, p *project.Project, g *plan.Graph, ids []string) error {
	sources := ingest.Declared(p.Config, p.Resolve(p.Config.Paths.Bronze))
	if !hasChecks(sources) && !slices.ContainsFunc(ids, func(id string) bool { return headerNames(g.Nodes[id].Model) }) {
		return nil
	}
	selected := map[string]bool{}
	for _, id := range ids {
		selected[id] = true
	}
	var errs diag.Errors
	d, err := Describe(ctx, p, g, ids, func(conn *sql.Conn, m *project.Model, cols []string) {
		if selected[strings.ToLower(m.ID())] && headerNames(m) {
			errs = append(errs, checkHeader(ctx, conn, m, cols)...)
		}
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Macros != nil {
		return nil // the build reports it, at its file and line
	}
	errs = append(sourceChecks(ctx, d.DB, p, sources), errs...)
	return errs.Err()
}

// headerNames tells whether a model's header names anything to check.
func headerNames(m *project.Model) bool {
	h := m.Header
	return len(h.Columns) > 0 || len(h.Checks) > 0 || h.UniqueKey != "" || h.OrderBy != "" || h.Redshift != nil ||
		(h.Export != nil && len(h.Export.PartitionBy) > 0)
}

// createEmpty creates a model's relation as an empty table of the columns
// and types its SQL returns, which DuckDB gives without running the query
// (DESCRIBE binds it): no file a model reads is scanned for the check.
func createEmpty(ctx context.Context, conn *sql.Conn, m *project.Model) (names []string, err error) {
	stmts := compile.Statements(m)
	for _, s := range stmts[:len(stmts)-1] { // its variables, schema and search path
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return nil, err
		}
	}
	rows, err := conn.QueryContext(ctx, "DESCRIBE "+compile.TrimBody(m.Body))
	if err != nil {
		return nil, compile.SQLError(m.Path, m.Text, len("DESCRIBE "), err)
	}
	defer rows.Close()
	fields, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var cols []string
	for rows.Next() {
		vals := make([]sql.NullString, len(fields))
		ptrs := make([]any, len(fields))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		// column_name, column_type, then null, key, default, extra.
		names = append(names, vals[0].String)
		cols = append(cols, sqlname.Ident(vals[0].String)+" "+vals[1].String)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_, err = conn.ExecContext(ctx, "CREATE OR REPLACE TABLE "+sqlname.Qualified(m.Schema, m.Name).String()+" ("+strings.Join(cols, ", ")+")")
	return names, err
}

// checkHeader checks one built-empty model's header against its columns,
// cols.
func checkHeader(ctx context.Context, conn *sql.Conn, m *project.Model, cols []string) diag.Errors {
	has := func(name string) bool {
		return slices.ContainsFunc(cols, func(c string) bool { return strings.EqualFold(c, name) })
	}
	list := strings.Join(cols, ", ")
	hint := fmt.Sprintf("%s returns %s", m.ID(), list)
	var errs diag.Errors
	add := func(path []string, format string, args ...any) {
		fe := m.HeaderError(path, format, args...)
		fe.Hint = hint
		errs = append(errs, fe)
	}
	h := m.Header
	for i, c := range h.Columns {
		if !has(c.Name) {
			add([]string{"columns", strconv.Itoa(i)}, "the header describes column %s, which the model does not return; fix the name or remove the entry", c.Name)
		}
	}
	if h.UniqueKey != "" && !has(h.UniqueKey) {
		what := "unique_key"
		if h.Online != nil {
			what = "unique_key (the key of online:)"
		}
		add([]string{"unique_key"}, "%s %s is not a column the model returns", what, h.UniqueKey)
	}
	if h.OrderBy != "" {
		if fe := checkOrderBy(ctx, conn, m, has); fe != nil {
			fe.Hint = hint
			errs = append(errs, fe)
		}
	}
	target := sqlname.Qualified(m.Schema, m.Name).String()
	// A check that only warns stays a warning when it cannot run (at the
	// audit); a blocking one cannot run at all, so it stops the build now.
	expression := func(path []string, c contract.Check) {
		if c.Kind != "expression" || c.Severity != contract.Error {
			return
		}
		if _, err := conn.ExecContext(ctx, "SELECT count(*) FROM "+target+" WHERE NOT coalesce(("+c.Expr+"\n), false)"); err != nil {
			add(append(path, "expression"), "check %s: expression %q is not a condition on the model's rows: %s", c.Label(), c.Expr, headerFirstLine(warehouse.AsQueryError(err).Msg))
		}
	}
	for i, c := range h.Columns {
		for j, ck := range c.Checks {
			expression([]string{"columns", strconv.Itoa(i), "checks", strconv.Itoa(j)}, ck)
		}
	}
	for i, c := range h.Checks {
		path := []string{"checks", strconv.Itoa(i)}
		if c.Column != "" && !has(c.Column) && c.Severity == contract.Error {
			add(path, "check %s names column %s, which the model does not return", c.Label(), c.Column)
			continue
		}
		expression(path, c)
	}
	if r := h.Redshift; r != nil {
		if r.DistKey != "" && !has(r.DistKey) {
			add([]string{"redshift", "dist_key"}, "dist_key %s is not a column the model returns", r.DistKey)
		}
		for i, k := range r.SortKey {
			if !has(k) {
				add([]string{"redshift", "sort_key", strconv.Itoa(i)}, "sort_key names %s, which is not a column the model returns", k)
			}
		}
	}
	if e := h.Export; e != nil {
		for i, p := range e.PartitionBy {
			if _, err := conn.ExecContext(ctx, "SELECT "+p.Expr+"\nFROM "+target+" LIMIT 0"); err != nil {
				add([]string{"export", "partition_by", strconv.Itoa(i), "expr"}, "partition_by %s: expr %q does not bind to the model's columns: %s",
					p.Name, p.Expr, headerFirstLine(warehouse.AsQueryError(err).Msg))
			}
		}
	}
	return errs
}

// checkOrderBy checks that order_by orders by the model's own columns: the
// merge of an incremental model orders the row it keeps against the new rows
// by them, and the kept row has only the model's columns (not bronze's
// _file, _line or _run_id unless the model returns them).
func checkOrderBy(ctx context.Context, conn *sql.Conn, m *project.Model, has func(string) bool) *diag.FileError {
	h := m.Header
	key := "1"
	if h.UniqueKey != "" && has(h.UniqueKey) {
		key = sqlname.Ident(h.UniqueKey)
	}
	q := fmt.Sprintf("SELECT 1 FROM %s QUALIFY row_number() OVER (PARTITION BY %s ORDER BY %s\n) = 1", sqlname.Qualified(m.Schema, m.Name), key, h.OrderBy)
	_, err := conn.ExecContext(ctx, q)
	if err == nil {
		return nil // it orders the model's rows (a struct's field, a lambda's parameter and all)
	}
	// Say which names the model does not return, when that is why.
	var tree any
	if node, e := warehouse.SelectTree(ctx, conn, "SELECT 1 ORDER BY "+h.OrderBy+"\n"); e == nil && json.Unmarshal(node, &tree) == nil {
		var missing []string
		walkColumnRefs(tree, func(names []string) {
			if !slices.ContainsFunc(names, has) && !slices.Contains(missing, names[len(names)-1]) {
				missing = append(missing, names[len(names)-1])
			}
		})
		if len(missing) > 0 {
			lower := strings.ToLower(h.OrderBy)
			slices.SortStableFunc(missing, func(a, b string) int {
				return strings.Index(lower, strings.ToLower(a)) - strings.Index(lower, strings.ToLower(b))
			})
			why := "the merge of new rows orders the stored row against them, and both have only the model's columns"
			if slices.ContainsFunc(missing, func(s string) bool { return strings.HasPrefix(s, "_") }) {
				why += "; to order by bronze's _file and _line, return them (e.g. _file AS source_file, _line AS source_line) and order by those"
			}
			// At the first name, when the value stands verbatim on its line.
			line, col := m.HeaderPos("order_by")
			if at := diag.LineOf(m.Text, line); col >= 1 && col <= len(at) && strings.HasPrefix(at[col-1:], h.OrderBy) {
				if loc := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(missing[0]) + `\b`).FindStringIndex(h.OrderBy); loc != nil {
					col += loc[0]
				}
			}
			return diag.At(m.Path, m.Text, line, col, "order_by names %s, which %s does not return: %s",
				strings.Join(missing, ", "), m.ID(), why)
		}
	}
	return m.HeaderError([]string{"order_by"}, "order_by %q does not order the model's rows: %s", h.OrderBy, headerFirstLine(warehouse.AsQueryError(err).Msg))
}

// walkColumnRefs calls fn with the name parts of each column reference in
// a serialised syntax tree (a.b is a column a's field b, or a table a's
// column b).
func walkColumnRefs(v any, fn func([]string)) {
	switch x := v.(type) {
	case map[string]any:
		if x["class"] == "COLUMN_REF" {
			if names, ok := x["column_names"].([]any); ok && len(names) > 0 {
				parts := make([]string, 0, len(names))
				for _, n := range names {
					if s, ok := n.(string); ok {
						parts = append(parts, s)
					}
				}
				if len(parts) > 0 {
					fn(parts)
				}
			}
			return
		}
		for _, e := range x {
			walkColumnRefs(e, fn)
		}
	case []any:
		for _, e := range x {
			walkColumnRefs(e, fn)
		}
	}
}

func headerFirstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
