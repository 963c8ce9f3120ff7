// Package load moves checked rows out of elt's embedded DuckDB into the
// engine a target builds in: into PostgreSQL through pgx's COPY protocol
// (CopyFrom), each DuckDB value converted to what pgx sends for the
// column's type, one row at a time; into Amazon Redshift as Parquet files
// under an s3:// prefix with a manifest listing them, and the COPY that
// loads them (RedshiftLoad). The tables are created from the DuckDB
// columns with the engine's types (dialect.Type).
package load

import (
	"context"
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/redshift"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Column is a column of a DuckDB relation: its name and DuckDB type.
type Column struct{ Name, Type string }

// Columns reads a DuckDB query's result columns (name, DuckDB type, as
// DESCRIBE prints them) without running it: DuckDB binds the query and
// reads no row.
func Columns(ctx context.Context, duck warehouse.Querier, query string) ([]Column, error) {
	rows, err := duck.QueryContext(ctx, "DESCRIBE "+trimQuery(query)+"\n")
	if err != nil {
		return nil, fmt.Errorf("read the columns of the query: %w", err)
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var cols []Column
	for rows.Next() {
		// column_name, column_type, null, key, default, extra.
		vals := make([]any, len(names))
		vals[0], vals[1] = new(string), new(string)
		for i := 2; i < len(vals); i++ {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			return nil, err
		}
		cols = append(cols, Column{Name: *vals[0].(*string), Type: *vals[1].(*string)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the columns of the query: %w", err)
	}
	return cols, nil
}

// trimQuery is a query without the blanks and semicolons that end it, so
// that it can be described or wrapped in a subquery.
func trimQuery(q string) string {
	return strings.TrimRight(strings.TrimSpace(q), "; \t\r\n")
}

// EngineName is a column's name in the engine: lower-cased, as the
// models translated for it name every column (unquoted names fold to
// lower case there).
func EngineName(name string) string { return strings.ToLower(name) }

// CreateTable returns the engine's CREATE TABLE IF NOT EXISTS statement
// for columns, their types through dialect.Type. A type the engine cannot
// hold faithfully is an error naming the table, the column and what to do;
// nested types (lists, structs, maps) are refused on both engines: their
// JSON text, loaded from Parquet into the SUPER column redshift.Map gives
// them, would be one string, not the value. JSON is kept as its text. On
// Redshift, text without a declared size gets the largest VARCHAR: what
// is copied is bronze as read, whose text has no bound.
func CreateTable(e dialect.Engine, table sqlname.Relation, cols []Column) (string, error) {
	if len(cols) == 0 {
		return "", fmt.Errorf("create %s: no columns", table)
	}
	var errs, defs []string
	for _, c := range cols {
		if e == dialect.Redshift && redshift.Nested(c.Type) && !isJSON(c.Type) {
			// JSON travels as its text, into a VARCHAR (dialect.Type).
			errs = append(errs, fmt.Sprintf("column %s: the DuckDB type %s (a list, struct or map) is not loaded into Redshift: its JSON text would land in a SUPER column as one string; turn it into text in the model (to_json(...)::VARCHAR)", sqlname.Ident(c.Name), c.Type))
			continue
		}
		t, err := dialect.Type(c.Type, e)
		if err != nil {
			errs = append(errs, fmt.Sprintf("column %s: %v", sqlname.Ident(c.Name), err))
			continue
		}
		if e == dialect.Redshift && strings.EqualFold(strings.TrimSpace(c.Type), "VARCHAR") {
			t = fmt.Sprintf("VARCHAR(%d)", redshift.MaxVarchar)
		}
		defs = append(defs, "  "+sqlname.Ident(EngineName(c.Name))+" "+t)
	}
	if len(errs) > 0 {
		return "", fmt.Errorf("create %s on %s:\n  %s", table, e, strings.Join(errs, "\n  "))
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (\n%s\n)", table, strings.Join(defs, ",\n")), nil
}

// selectFrom is query wrapped so that its columns come out as expr makes
// each (from its quoted name), in order, under their names. It checks
// first that the query has exactly the columns cols says.
func selectFrom(ctx context.Context, duck warehouse.Querier, query string, cols []Column, expr func(c Column, col string) string) (string, error) {
	have, err := Columns(ctx, duck, query)
	if err != nil {
		return "", err
	}
	if !sameColumns(have, cols) {
		return "", fmt.Errorf("the query's columns are %s, not %s as given: read them again with Columns", columnList(have), columnList(cols))
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = expr(c, sqlname.Ident(c.Name)) + " AS " + sqlname.Ident(c.Name)
	}
	return "SELECT " + strings.Join(out, ", ") + " FROM (" + trimQuery(query) + "\n) AS q", nil
}

func sameColumns(a, b []Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !strings.EqualFold(a[i].Type, b[i].Type) {
			return false
		}
	}
	return true
}

func columnList(cols []Column) string {
	s := make([]string, len(cols))
	for i, c := range cols {
		s[i] = sqlname.Ident(c.Name) + " " + c.Type
	}
	return "(" + strings.Join(s, ", ") + ")"
}

// isJSON tells whether a DuckDB type is JSON.
func isJSON(t string) bool { return strings.EqualFold(strings.TrimSpace(t), "JSON") }
