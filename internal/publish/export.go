// Package publish writes built tables to files for the outside world:
// Parquet and CSV, optionally Hive-partitioned, with every column cast to
// what Redshift can load, in the DDL's order. An export is written aside and
// swapped into place, so a reader never sees half of one and the previous
// export stays until the new one is whole; on S3 (an s3:// output, through
// lake) each run's files go under a folder of their own and a manifest
// written last publishes them (WriteLake). It owns what follows a build's
// commit: the exports (Exports) and the changed rows of models with an
// online: section sent to the feature store (Serve, through online).
package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/redshift"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// The file-system calls that write an export aside and swap it in, as
// variables so that a test can make each step fail in turn.
var (
	mkdirAll  = os.MkdirAll
	rename    = os.Rename
	removeAll = os.RemoveAll
)

// Select is the query an export writes: every column cast for Redshift, in
// order, then the partition values.
func Select(m *project.Model, t redshift.Table) (string, error) {
	var cols []string
	for _, c := range t.Columns {
		mp, err := redshift.Map(c)
		if err != nil {
			return "", err
		}
		cols = append(cols, mp.Export+" AS "+sqlname.Ident(c.Name))
	}
	if e := m.Header.Export; e != nil {
		for _, p := range e.PartitionBy {
			cols = append(cols, "("+p.Expr+"\n) AS "+sqlname.Ident(p.Name))
		}
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + sqlname.Qualified(m.Schema, m.Name).String(), nil
}

// Dir is where a model's exports go: <output>/<schema>/<name>.
func Dir(output string, m *project.Model) string {
	return filepath.Join(output, strings.ToLower(m.Schema), strings.ToLower(m.Name))
}

// Write exports a model into its folder: into a fresh folder beside it
// first, with its record (RecordName: the rows of the run version names,
// state.Runs.Version; runID names the fresh folder), then swapped in. It
// returns the rows written. On failure the fresh folder is removed (a full
// disk is not left full).
func Write(ctx context.Context, q warehouse.Querier, m *project.Model, output, version string, runID int64) (rows int64, err error) {
	e := m.Header.Export
	if e == nil || len(e.Formats) == 0 {
		return 0, nil
	}
	final := Dir(output, m)
	tmp, old, err := aside(m, final, runID)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			removeAll(tmp)
		}
	}()
	var x exportQuery
	if rows, x, err = writeFiles(ctx, q, m, tmp); err != nil {
		return 0, err
	}
	if err = writeRecord(ctx, q, m, x, tmp, version, rows); err != nil {
		return 0, fmt.Errorf("export %s: %w", m.ID(), err)
	}
	return rows, swap(tmp, final, old)
}

// aside prepares the writing of an export in place at final beside it: a
// swap cut off is mended, and fresh folders of exports cut off before their
// swap are removed. It returns the fresh folder of this one (runID names
// it) and where the export in place moves during the swap.
func aside(m *project.Model, final string, runID int64) (tmp, old string, err error) {
	parent, base := filepath.Dir(final), filepath.Base(final)
	if err := mkdirAll(parent, 0o755); err != nil {
		return "", "", fmt.Errorf("export %s: %w", m.ID(), err)
	}
	old = filepath.Join(parent, "."+base+".old")
	if err := recoverSwap(final, old); err != nil {
		return "", "", err
	}
	removeStale(parent, base)
	return filepath.Join(parent, fmt.Sprintf(".%s.tmp-%d", base, runID)), old, nil
}

// writeFiles has DuckDB write the model's export files into dir/<format>/
// (data.<format>, or Hive folders of data_<i>.<format>), returning the rows
// written.
func writeFiles(ctx context.Context, q warehouse.Querier, m *project.Model, dir string) (rows int64, x exportQuery, err error) {
	if x, err = queryOf(ctx, q, m); err != nil {
		return 0, x, err
	}
	for _, f := range m.Header.Export.Formats {
		if rows, err = writeFormat(ctx, q, m, x, dir, f); err != nil {
			return 0, x, err
		}
	}
	return rows, x, ctx.Err()
}

// writeFormat has DuckDB write the export files of format f into
// dir/<f>/, returning the rows written.
func writeFormat(ctx context.Context, q warehouse.Querier, m *project.Model, x exportQuery, dir, f string) (rows int64, err error) {
	sel, parts := x.sel, x.parts
	fdir := filepath.Join(dir, f)
	if err := mkdirAll(fdir, 0o755); err != nil {
		return 0, err
	}
	opts := copyOptions(f, parts)
	target := filepath.Join(fdir, "data."+f)
	if len(parts) > 0 {
		target = fdir
	}
	res, err := q.ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s (%s)", sel, sqlname.Literal(target), opts))
	if err != nil {
		return 0, fmt.Errorf("export %s as %s: %w", m.ID(), f, err)
	}
	rows, _ = res.RowsAffected()
	if rows == 0 && len(parts) > 0 {
		// No rows, so no partition and no file: one file with the
		// columns and no rows, so that the export still says what it
		// holds (a reader's glob, and Redshift's COPY ... MANIFEST,
		// which stops when it finds no file, load nothing instead).
		empty := fmt.Sprintf("COPY (SELECT * EXCLUDE (%s) FROM (%s) LIMIT 0) TO %s (%s)", strings.Join(parts, ", "), sel,
			sqlname.Literal(filepath.Join(fdir, "data_0."+f)), copyOptions(f, nil))
		if _, err := q.ExecContext(ctx, empty); err != nil {
			return 0, fmt.Errorf("export %s as %s: %w", m.ID(), f, err)
		}
	}
	return rows, nil
}

// exportQuery is what a model's export writes.
type exportQuery struct {
	sel   string         // Select, with the column types DuckDB reports
	parts []string       // the partition columns' names
	t     redshift.Table // the model's columns
}

// queryOf is the query m's export writes.
func queryOf(ctx context.Context, q warehouse.Querier, m *project.Model) (x exportQuery, err error) {
	if x.t, err = redshift.Columns(ctx, q, m); err != nil { // the casts need types, not measured lengths
		return x, err
	}
	if x.sel, err = Select(m, x.t); err != nil {
		return x, fmt.Errorf("export %s: %w", m.ID(), err)
	}
	for _, p := range m.Header.Export.PartitionBy {
		x.parts = append(x.parts, sqlname.Ident(p.Name))
	}
	return x, nil
}

// copyOptions are the COPY options of an export in format f, partitioned
// by parts (none: one file).
//
// DuckDB prepares a row group on any thread once it has ROW_GROUP_SIZE
// rows; a partition with fewer (a day of gold at 2M events is about 38,000
// sessions) waits for the end and one thread. With 32,768 rows a group,
// the increment's export at 2M took 0.33-0.45 s against 0.42-0.48 s (six
// pairs), into files of the same size. zstd's level 1 rather than DuckDB's
// default 3: gold at 10M events (1.5M sessions) in 0.51-0.52 s against
// 0.64-0.65 s, 18 MB either way.
func copyOptions(f string, parts []string) string {
	opts := "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 32768"
	if f == "csv" {
		opts = "FORMAT csv, HEADER true, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f'"
	}
	if len(parts) > 0 {
		opts += ", PARTITION_BY (" + strings.Join(parts, ", ") + "), FILENAME_PATTERN 'data_{i}'"
	}
	return opts
}

// swap puts tmp in final's place: final moves aside to old, tmp becomes
// final, old goes. Between the two renames final is absent for a moment,
// never half-written; recoverSwap mends a swap cut off there.
func swap(tmp, final, old string) error {
	if err := removeAll(old); err != nil {
		return err
	}
	if err := rename(final, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("move the previous export aside: %w", err)
	}
	if err := rename(tmp, final); err != nil {
		rename(old, final)
		return fmt.Errorf("put the new export in place: %w", err)
	}
	return removeAll(old)
}

// removeStale removes the fresh folders of exports of base cut off before
// their swap (.<base>.tmp-*) from parent.
func removeStale(parent, base string) {
	stale, _ := filepath.Glob(filepath.Join(parent, "."+base+".tmp-*"))
	for _, s := range stale {
		removeAll(s)
	}
}

// tidy removes what swaps left beside the export in place at final: the
// previous export moved aside (a swap cut off before removing it) and the
// fresh folders of exports cut off before their swap.
func tidy(final string) {
	parent, base := filepath.Dir(final), filepath.Base(final)
	removeAll(filepath.Join(parent, "."+base+".old"))
	removeStale(parent, base)
}

// recoverSwap restores the previous export when a swap was interrupted
// after moving it aside.
func recoverSwap(final, old string) error {
	if _, err := os.Stat(final); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(old); err == nil {
			return rename(old, final)
		}
	}
	return nil
}
