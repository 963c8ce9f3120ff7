// Package export writes built tables to files for the outside world:
// Parquet and CSV, optionally Hive-partitioned, with every column cast to
// what Redshift can load, in the DDL's order. An export is written aside and
// swapped into place, so a reader never sees half of one and the previous
// export stays until the new one is whole.
package export

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/redshift"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Querier runs SQL: a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Describe reads a built model as a Redshift table: its columns and types
// from the warehouse, the longest text values (for VARCHAR sizes without a
// configured length), and the header's options.
func Describe(ctx context.Context, q Querier, m *project.Model) (redshift.Table, error) {
	t, err := columns(ctx, q, m)
	if err != nil {
		return t, err
	}
	return t, measure(ctx, q, m, &t)
}

// columns reads the built model's columns and the header's options; it does
// not scan the table.
func columns(ctx context.Context, q Querier, m *project.Model) (redshift.Table, error) {
	t := redshift.Table{Schema: strings.ToLower(m.Schema), Name: strings.ToLower(m.Name), Origin: m.Path}
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
		var c redshift.Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return t, err
		}
		h := conf[strings.ToLower(c.Name)]
		c.Length, c.NotNull, c.Encode = h.Length, h.NotNull, h.Encode
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

// measure finds the longest value, in bytes, of each text or binary column
// without a configured length, in one scan.
func measure(ctx context.Context, q Querier, m *project.Model, t *redshift.Table) error {
	var exprs []string
	var idx []int
	for i, c := range t.Columns {
		ty := strings.ToUpper(c.Type)
		if c.Length > 0 || !(ty == "VARCHAR" || ty == "BLOB" || ty == "BIT" || strings.HasPrefix(ty, "ENUM")) {
			continue
		}
		col := warehouse.Ident(c.Name)
		if ty == "BLOB" {
			exprs = append(exprs, fmt.Sprintf("coalesce(max(octet_length(%s)), 0)", col))
		} else {
			exprs = append(exprs, fmt.Sprintf("coalesce(max(strlen(%s::VARCHAR)), 0)", col))
		}
		idx = append(idx, i)
	}
	if len(exprs) == 0 {
		return nil
	}
	vals := make([]any, len(exprs))
	ptrs := make([]any, len(exprs))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := q.QueryRowContext(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM "+warehouse.Qualified(m.Schema, m.Name)).Scan(ptrs...); err != nil {
		return fmt.Errorf("measure %s: %w", m.ID(), err)
	}
	for k, i := range idx {
		switch v := vals[k].(type) {
		case int64:
			t.Columns[i].Measured = int(v)
		case int32:
			t.Columns[i].Measured = int(v)
		}
	}
	return nil
}

// Select is the query an export writes: every column cast for Redshift, in
// order, then the partition values.
func Select(m *project.Model, t redshift.Table) (string, error) {
	var cols []string
	for _, c := range t.Columns {
		mp, err := redshift.Map(c)
		if err != nil {
			return "", err
		}
		cols = append(cols, mp.Export+" AS "+warehouse.Ident(c.Name))
	}
	if e := m.Header.Export; e != nil {
		for _, p := range e.PartitionBy {
			cols = append(cols, "("+p.Expr+"\n) AS "+warehouse.Ident(p.Name))
		}
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + warehouse.Qualified(m.Schema, m.Name), nil
}

// Dir is where a model's exports go: <output>/<schema>/<name>.
func Dir(output string, m *project.Model) string {
	return filepath.Join(output, strings.ToLower(m.Schema), strings.ToLower(m.Name))
}

// Write exports a model into its folder: into a fresh folder beside it
// first, then swapped in. It returns the rows written. On failure the fresh
// folder is removed (a full disk is not left full).
func Write(ctx context.Context, q Querier, m *project.Model, output string, runID int64) (rows int64, err error) {
	e := m.Header.Export
	if e == nil || len(e.Formats) == 0 {
		return 0, nil
	}
	t, err := columns(ctx, q, m) // the casts need types, not measured lengths
	if err != nil {
		return 0, err
	}
	sel, err := Select(m, t)
	if err != nil {
		return 0, fmt.Errorf("export %s: %w", m.ID(), err)
	}
	final := Dir(output, m)
	parent, base := filepath.Dir(final), filepath.Base(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return 0, fmt.Errorf("export %s: %w", m.ID(), err)
	}
	old := filepath.Join(parent, "."+base+".old")
	if err := recoverSwap(final, old); err != nil {
		return 0, err
	}
	tmp := filepath.Join(parent, fmt.Sprintf(".%s.tmp-%d", base, runID))
	stale, _ := filepath.Glob(filepath.Join(parent, "."+base+".tmp-*"))
	for _, s := range stale {
		os.RemoveAll(s)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	var parts []string
	for _, p := range e.PartitionBy {
		parts = append(parts, warehouse.Ident(p.Name))
	}
	for _, f := range e.Formats {
		dir := filepath.Join(tmp, f)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, err
		}
		opts := "FORMAT parquet, COMPRESSION zstd"
		if f == "csv" {
			opts = "FORMAT csv, HEADER true, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f'"
		}
		target := filepath.Join(dir, "data."+f)
		if len(parts) > 0 {
			target = dir
			opts += ", PARTITION_BY (" + strings.Join(parts, ", ") + "), FILENAME_PATTERN 'data_{i}'"
		}
		res, err := q.ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s (%s)", sel, warehouse.Literal(target), opts))
		if err != nil {
			return 0, fmt.Errorf("export %s as %s: %w", m.ID(), f, err)
		}
		rows, _ = res.RowsAffected()
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return rows, swap(tmp, final, old)
}

// swap puts tmp in final's place: final moves aside to old, tmp becomes
// final, old goes. Between the two renames final is absent for a moment,
// never half-written; recoverSwap mends a swap cut off there.
func swap(tmp, final, old string) error {
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	if err := os.Rename(final, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("move the previous export aside: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Rename(old, final)
		return fmt.Errorf("put the new export in place: %w", err)
	}
	return os.RemoveAll(old)
}

// recoverSwap restores the previous export when a swap was interrupted
// after moving it aside.
func recoverSwap(final, old string) error {
	if _, err := os.Stat(final); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(old); err == nil {
			return os.Rename(old, final)
		}
	}
	return nil
}
