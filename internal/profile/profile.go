// Package profile measures a built table in one pass: per column its type,
// nulls, distinct values, bounds and, for text with few values, the values
// with their counts. Check suggestions and the docs site read it.
package profile

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// MaxValues is the most distinct values a text column may have for its
// values to be listed.
const MaxValues = 20

// Column is what one pass found in a column.
type Column struct {
	Name, Type string
	Nulls      int64
	Distinct   int64 // exact, or estimated when the profile was Approximate
	// Min and Max are the bounds of a numeric, date or time column, as text.
	Min, Max sql.NullString
	// Values are a text column's values with their counts, when it has at
	// most MaxValues (nil otherwise).
	Values []Value
}

// Value is one value of a column and how many rows hold it.
type Value struct {
	Text  string
	Count int64
}

// Table is a table's profile.
type Table struct {
	Rows    int64
	Columns []Column
}

// NullShare is the share of rows where the column is NULL (0 for no rows).
func (t Table) NullShare(c Column) float64 {
	if t.Rows == 0 {
		return 0
	}
	return float64(c.Nulls) / float64(t.Rows)
}

// Options say what to profile.
type Options struct {
	// Approximate counts distinct values with HyperLogLog (much faster on
	// large tables; within a few percent).
	Approximate bool
	// Where keeps only the rows it is true for (an SQL expression), as a
	// holdout split does.
	Where string
}

// Bounded reports whether min and max mean something for a type: numbers,
// dates and times.
func Bounded(typ string) bool {
	t := strings.ToUpper(typ)
	return output.Numeric(t) || strings.HasPrefix(t, "DATE") || strings.HasPrefix(t, "TIME")
}

// Textual reports whether a type is text.
func Textual(typ string) bool {
	t := strings.ToUpper(typ)
	return t == "VARCHAR" || strings.HasPrefix(t, "VARCHAR(")
}

// Columns lists a relation's columns and types, in order.
func Columns(ctx context.Context, q warehouse.Querier, schema, name string) ([]Column, error) {
	rows, err := q.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? ORDER BY ordinal_position`, schema, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Catalog lists the columns of every table and view of the warehouse in
// one query, by lower-case schema.name.
func Catalog(ctx context.Context, q warehouse.Querier) (map[string][]Column, error) {
	rows, err := q.QueryContext(ctx, `SELECT lower(schema_name || '.' || table_name), column_name, data_type FROM duckdb_columns()
		WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Column{}
	for rows.Next() {
		var id string
		var c Column
		if err := rows.Scan(&id, &c.Name, &c.Type); err != nil {
			return nil, err
		}
		out[id] = append(out[id], c)
	}
	return out, rows.Err()
}

// Profile measures schema.name in one scan (plus one more, counting the
// values of all the text columns that have few).
func Profile(ctx context.Context, q warehouse.Querier, schema, name string, o Options) (Table, error) {
	cols, err := Columns(ctx, q, schema, name)
	if err != nil {
		return Table{}, err
	}
	return ProfileColumns(ctx, q, schema, name, cols, o)
}

// ProfileColumns is Profile with the table's columns already known.
func ProfileColumns(ctx context.Context, q warehouse.Querier, schema, name string, cols []Column, o Options) (Table, error) {
	cols = append([]Column(nil), cols...)
	if len(cols) == 0 {
		return Table{}, fmt.Errorf("%s.%s is not in the warehouse: build it first", schema, name)
	}
	from := sqlname.Qualified(schema, name).String()
	if o.Where != "" {
		from = "(SELECT * FROM " + from + " WHERE " + o.Where + ")"
	}
	distinct := "count(DISTINCT %s)"
	if o.Approximate {
		distinct = "approx_count_distinct(%s)"
	}
	exprs := []string{"count(*)"}
	for _, c := range cols {
		id := sqlname.Ident(c.Name)
		exprs = append(exprs, "count("+id+")", fmt.Sprintf(distinct, id))
		if Bounded(c.Type) {
			exprs = append(exprs, "min("+id+")::VARCHAR", "max("+id+")::VARCHAR")
		} else {
			exprs = append(exprs, "NULL::VARCHAR", "NULL::VARCHAR")
		}
	}
	t := Table{Columns: cols}
	dest := []any{&t.Rows}
	nonNull := make([]int64, len(cols))
	for i := range cols {
		dest = append(dest, &nonNull[i], &t.Columns[i].Distinct, &t.Columns[i].Min, &t.Columns[i].Max)
	}
	if err := q.QueryRowContext(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM "+from).Scan(dest...); err != nil {
		return Table{}, err
	}
	var few []int // text columns with few values: their values, in one more scan
	var hists []string
	for i := range t.Columns {
		t.Columns[i].Nulls = t.Rows - nonNull[i]
		if c := t.Columns[i]; Textual(c.Type) && c.Distinct > 0 && c.Distinct <= MaxValues {
			few = append(few, i)
			hists = append(hists, "to_json(histogram("+sqlname.Ident(c.Name)+"))::VARCHAR")
		}
	}
	if len(few) == 0 {
		return t, nil
	}
	texts := make([]string, len(few))
	dest = make([]any, len(few))
	for k := range texts {
		dest[k] = &texts[k]
	}
	if err := q.QueryRowContext(ctx, "SELECT "+strings.Join(hists, ", ")+" FROM "+from).Scan(dest...); err != nil {
		return Table{}, err
	}
	for k, i := range few {
		var counts map[string]int64
		if err := json.Unmarshal([]byte(texts[k]), &counts); err != nil {
			return Table{}, fmt.Errorf("read the values of %s: %w", t.Columns[i].Name, err)
		}
		if len(counts) > MaxValues { // the estimate was low
			continue
		}
		c := &t.Columns[i]
		for v, n := range counts {
			c.Values = append(c.Values, Value{Text: v, Count: n})
		}
		sort.Slice(c.Values, func(a, b int) bool {
			if c.Values[a].Count != c.Values[b].Count {
				return c.Values[a].Count > c.Values[b].Count
			}
			return c.Values[a].Text < c.Values[b].Text
		})
	}
	return t, nil
}
