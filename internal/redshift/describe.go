package redshift

import (
	"context"
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Columns reads the built model's columns (names and DuckDB types, which
// depend on its SQL, not on its rows) and the header's options; it does
// not scan the table. Sizes come from the header's length; compile fills
// in what the sources declare.
func Columns(ctx context.Context, q warehouse.Querier, m *project.Model) (Table, error) {
	t := Table{Schema: strings.ToLower(m.Schema), Name: strings.ToLower(m.Name), Origin: m.Path, Description: strings.TrimSpace(m.Header.Description)}
	if r := m.Header.Redshift; r != nil {
		t.DistStyle, t.DistKey, t.SortKey, t.SortStyle = r.DistStyle, r.DistKey, r.SortKey, r.SortStyle
	}
	rows, err := q.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE lower(table_schema) = lower(?) AND lower(table_name) = lower(?) ORDER BY ordinal_position`, m.Schema, m.Name)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	conf := map[string]project.Column{}
	for _, c := range m.Header.Columns {
		conf[strings.ToLower(c.Name)] = c
	}
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return t, err
		}
		h := conf[strings.ToLower(c.Name)]
		c.Length, c.NotNull, c.Encode, c.Description = h.Length, h.NotNull, h.Encode, strings.TrimSpace(h.Description)
		t.Columns = append(t.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return t, err
	}
	if len(t.Columns) == 0 {
		return t, fmt.Errorf("%s is not built yet: run `elt build` first", m.ID())
	}
	return t, nil
}

// Measure finds the longest value, in bytes, of each text or binary
// column, in one scan, by column name: what `elt ddl --measure` offers as
// advice. The DDL never reads it.
func Measure(ctx context.Context, q warehouse.Querier, m *project.Model, t Table) (map[string]int, error) {
	var exprs []string
	var idx []int
	for i, c := range t.Columns {
		if !Measurable(c) {
			continue
		}
		col := sqlname.Ident(c.Name)
		if strings.EqualFold(c.Type, "BLOB") {
			exprs = append(exprs, fmt.Sprintf("coalesce(max(octet_length(%s)), 0)", col))
		} else {
			exprs = append(exprs, fmt.Sprintf("coalesce(max(strlen(%s::VARCHAR)), 0)", col))
		}
		idx = append(idx, i)
	}
	out := map[string]int{}
	if len(exprs) == 0 {
		return out, nil
	}
	vals := make([]any, len(exprs))
	ptrs := make([]any, len(exprs))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := q.QueryRowContext(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM "+sqlname.Qualified(m.Schema, m.Name).String()).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("measure %s: %w", m.ID(), err)
	}
	for k, i := range idx {
		switch v := vals[k].(type) {
		case int64:
			out[t.Columns[i].Name] = int(v)
		case int32:
			out[t.Columns[i].Name] = int(v)
		}
	}
	return out, nil
}

// Measurable says whether a column's Redshift type has a size: text and
// binary columns (VARCHAR, ENUM, BIT, BLOB).
func Measurable(c Column) bool {
	ty := strings.ToUpper(strings.TrimSpace(c.Type))
	return ty == "VARCHAR" || strings.HasPrefix(ty, "VARCHAR(") || ty == "BLOB" || ty == "BIT" || strings.HasPrefix(ty, "ENUM")
}
