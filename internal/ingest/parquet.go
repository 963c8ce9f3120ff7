package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/digitalservices/elt/internal/ingest/read"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// parquetView is the statement that makes elt_records a view of one
// Parquet file, read by the statement that loads it. A view, not a table: a
// build is one transaction, and DuckDB keeps what a transaction replaced
// until it ends, so a table a batch would hold every record of every batch
// until the commit (10M events in 16 files: 3.8 GB peak RSS). A record's
// line is its 1-based row number in the file. Its raw text is the row as
// JSON, but _raw is the row as a struct, which costs nothing until rules.Insert
// turns a rejected record's into JSON (over 10M rows, JSON for every row
// took 1.63 s, a struct 0.32 s); a file at a time, because files may have
// different columns, and a UNION ALL cannot join structs of different
// fields. Each declared field's column (matched by name, any case) is given
// as the JSON type its Parquet type stands for and its text, so typed
// columns meet the same rules as text.
// The returned cleanup removes what literalPath made, after the view's
// last use.
func parquetView(ctx context.Context, tx warehouse.Querier, src Source, f part) (view string, cleanup func(), err error) {
	file := f.Abs
	if f.local != "" {
		file = f.local
	}
	at, cleanup, err := literalPath(file)
	if err != nil {
		return "", func() {}, err
	}
	defer func() {
		if err != nil {
			cleanup()
			cleanup = func() {}
		}
	}()
	read := fmt.Sprintf("read_parquet(%s, file_row_number = true)", sqlname.Literal(at))
	rows, err := tx.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+read+")")
	if err != nil {
		return "", cleanup, fmt.Errorf("read %s: %w", f.Rel, err)
	}
	types := map[string]string{}
	var names []string
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			rows.Close()
			return "", cleanup, err
		}
		if n == "file_row_number" {
			continue
		}
		types[strings.ToLower(n)] = t
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", cleanup, fmt.Errorf("read %s: %w", f.Rel, err)
	}
	byLower := map[string]string{}
	var row []string
	for _, n := range names {
		byLower[strings.ToLower(n)] = n
		row = append(row, sqlname.Ident(n)+" := p."+sqlname.Ident(n))
	}
	raw := "'{}'::JSON"
	if len(row) > 0 {
		raw = "struct_pack(" + strings.Join(row, ", ") + ")"
	}
	cols := []string{sqlname.Literal(f.Rel) + " AS _file", "p.file_row_number + 1 AS _line", raw + " AS _raw", "NULL::VARCHAR AS _bad"}
	for i, c := range columns(src) {
		t, s := "NULL", "NULL"
		if n, ok := byLower[strings.ToLower(c)]; ok {
			t, s = parquetValue("p."+sqlname.Ident(n), types[strings.ToLower(n)])
		}
		cols = append(cols, fmt.Sprintf("(%s)::UTINYINT AS _type%d, (%s)::VARCHAR AS _text%d", t, i+1, s, i+1))
	}
	return "CREATE OR REPLACE TEMP VIEW elt_records AS SELECT " + strings.Join(cols, ", ") + " FROM " + read + " AS p", cleanup, nil
}

// literalPath is a path DuckDB reads as exactly that file: read_parquet
// takes *, ? and [ as a glob, with no escape, so a file whose path holds one
// is read through a link without them (removed by cleanup).
func literalPath(path string) (string, func(), error) {
	if !strings.ContainsAny(path, "*?[{") {
		return path, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "elt-parquet-")
	if err != nil {
		return "", nil, err
	}
	link := filepath.Join(dir, "file.parquet")
	if err := os.Symlink(path, link); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("read %s: %w", path, err)
	}
	return link, func() { os.RemoveAll(dir) }, nil
}

// parquetValue is the JSON type and the text of a Parquet column's value.
func parquetValue(col, typ string) (string, string) {
	t := strings.ToUpper(typ)
	kind := func(k string) string {
		return fmt.Sprintf("CASE WHEN %s IS NULL THEN %d ELSE %d END", col, read.KindNull, read.JSONTypes[k])
	}
	switch {
	case t == "VARCHAR" || strings.HasPrefix(t, "ENUM"):
		return kind("VARCHAR"), col + "::VARCHAR"
	case strings.Contains(t, "INT"):
		return kind("BIGINT"), col + "::VARCHAR"
	case t == "FLOAT" || t == "DOUBLE" || strings.HasPrefix(t, "DECIMAL"):
		return kind("DOUBLE"), col + "::VARCHAR"
	case t == "BOOLEAN":
		return kind("BOOLEAN"), col + "::VARCHAR"
	case t == "DATE":
		return kind("VARCHAR"), fmt.Sprintf("strftime(%s, '%%Y-%%m-%%d')", col)
	case strings.HasPrefix(t, "TIMESTAMP WITH TIME ZONE"):
		return kind("VARCHAR"), fmt.Sprintf("strftime(timezone('UTC', %s), '%%Y-%%m-%%dT%%H:%%M:%%S.%%fZ')", col)
	case strings.HasPrefix(t, "TIMESTAMP"):
		return kind("VARCHAR"), fmt.Sprintf("strftime(%s::TIMESTAMP, '%%Y-%%m-%%dT%%H:%%M:%%S.%%f')", col)
	case strings.HasSuffix(t, "[]") || strings.HasPrefix(t, "LIST"):
		return kind("ARRAY"), "to_json(" + col + ")::VARCHAR"
	}
	return kind("OBJECT"), "to_json(" + col + ")::VARCHAR"
}
