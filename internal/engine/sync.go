package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/engine/load"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// file is one row of a manifest: a source's file, the hash of what was
// read of it, and the run that loaded it (a full refresh loads every file
// again, by the rules as they are now).
type file struct {
	Source, File, Fingerprint string
	RunID                     int64
}

// localManifest and engineManifest read the files a manifest (elt.files,
// elt's or the engine's) lists.
func localManifest(ctx context.Context, duck warehouse.Querier) (map[file]bool, error) {
	rows, err := duck.QueryContext(ctx, `SELECT source, file, fingerprint, run_id FROM elt.files`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[file]bool{}
	for rows.Next() {
		var f file
		if err := rows.Scan(&f.Source, &f.File, &f.Fingerprint, &f.RunID); err != nil {
			return nil, err
		}
		out[f] = true
	}
	return out, rows.Err()
}

func engineManifest(ctx context.Context, tx pgx.Tx) (map[file]bool, error) {
	rows, err := tx.Query(ctx, `SELECT source, file, fingerprint, run_id FROM elt.files`)
	if err != nil {
		return nil, err
	}
	fs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[file])
	out := map[file]bool{}
	for _, f := range fs {
		out[f] = true
	}
	return out, err
}

// table is one of the tables copied from elt's warehouse to the engine,
// by file: its rows of a file are those whose column fileColumn holds it.
type table struct {
	rel        sqlname.Relation
	fileColumn string
	// source narrows the rows to a source's (the quarantine and the
	// manifest hold every source's).
	source bool
}

// syncBronze brings the engine's copy of what ingestion loaded up to elt's
// own: the bronze rows, quarantine rows and manifest rows of files the
// engine lacks or holds another version of are (re)copied, those of files
// no longer in elt's manifest deleted. A bronze table whose columns
// changed (a field added to the source) is copied whole again.
func (b Build) syncBronze(ctx context.Context, tx pgx.Tx, e dialect.Engine, into copyFunc) (copied, dropped int, err error) {
	duck, p := b.Duck, b.Project
	local, err := localManifest(ctx, duck)
	if err != nil {
		return 0, 0, fmt.Errorf("read elt's manifest: %w", err)
	}
	if err := renameFingerprint(ctx, tx); err != nil {
		return 0, 0, err
	}
	tables := []table{{rel: "elt.files", fileColumn: "file", source: true}, {rel: "silver.quarantine", fileColumn: "file", source: true}}
	for _, name := range p.Config.SourceNames() {
		tables = append(tables, table{rel: sqlname.Qualified("bronze", name), fileColumn: "_file"})
	}
	resetSource, resetAll := map[string]bool{}, false
	columns := map[sqlname.Relation][]load.Column{}
	for _, t := range tables {
		cols, err := load.Columns(ctx, duck, "SELECT * FROM "+string(t.rel))
		if err != nil {
			return 0, 0, fmt.Errorf("read the columns of %s: %w", t.rel, err)
		}
		columns[t.rel] = cols
		same, err := sameColumns(ctx, tx, t.rel, cols)
		if err != nil {
			return 0, 0, err
		}
		if !same {
			// New, or its columns changed: made again, and every file of
			// its source copied again.
			if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+string(t.rel)); err != nil {
				return 0, 0, err
			}
			create, err := load.CreateTable(e, t.rel, cols)
			if err != nil {
				return 0, 0, fmt.Errorf("%s: %w", t.rel, err)
			}
			if _, err := tx.Exec(ctx, create); err != nil {
				return 0, 0, fmt.Errorf("create %s in the engine: %w", t.rel, err)
			}
			if !t.source {
				_, name, _ := strings.Cut(string(t.rel), ".")
				resetSource[strings.Trim(name, `"`)] = true
			} else {
				resetAll = true // the quarantine or the manifest, of every source
			}
		}
	}
	remote, err := engineManifest(ctx, tx)
	if err != nil {
		return 0, 0, err
	}
	var gone, fresh []file
	for f := range remote {
		if !local[f] || resetSource[f.Source] || resetAll {
			gone = append(gone, f)
		}
	}
	for f := range local {
		if !remote[f] || resetSource[f.Source] || resetAll {
			fresh = append(fresh, f)
		}
	}
	// Files gone or replaced lose their rows first, then the new ones
	// are copied: each a statement a source, table and 500 files.
	bySource := func(fs []file) map[string][]string {
		out := map[string][]string{}
		for _, f := range fs {
			out[f.Source] = append(out[f.Source], f.File)
		}
		return out
	}
	each := func(fs []file, do func(t table, src, where string, chunk int) error) error {
		chunks := map[sqlname.Relation]int{} // numbered across sources: a Redshift load's folder
		for src, files := range bySource(fs) {
			for _, t := range tables {
				if !t.source && t.rel != sqlname.Qualified("bronze", src) {
					continue
				}
				for start := 0; start < len(files); start += 500 {
					part := files[start:min(start+500, len(files))]
					lits := make([]string, len(part))
					for i, f := range part {
						lits[i] = sqlname.Literal(f)
					}
					where := fmt.Sprintf("%s IN (%s)", sqlname.Ident(t.fileColumn), strings.Join(lits, ", "))
					if t.source {
						where += " AND source = " + sqlname.Literal(src)
					}
					if err := do(t, src, where, chunks[t.rel]); err != nil {
						return err
					}
					chunks[t.rel]++
				}
			}
		}
		return nil
	}
	if err := each(append(gone, fresh...), func(t table, src, where string, _ int) error {
		if _, err := tx.Exec(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s", t.rel, where)); err != nil {
			return fmt.Errorf("delete the rows of %s's files from %s: %w", src, t.rel, err)
		}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	if err := each(fresh, func(t table, src, where string, chunk int) error {
		if err := into(ctx, fmt.Sprintf("SELECT * FROM %s WHERE %s", t.rel, where), t.rel, columns[t.rel], chunk); err != nil {
			return fmt.Errorf("copy %s's files into %s: %w", src, t.rel, err)
		}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	return len(fresh), len(gone), nil
}

// copyFunc copies the rows of a query of elt's warehouse into rel on the
// engine; chunk numbers the copies into one relation in a build.
type copyFunc func(ctx context.Context, query string, rel sqlname.Relation, cols []load.Column, chunk int) error

// copier returns how rows of elt's warehouse reach the engine: over
// PostgreSQL's COPY, or as Parquet files under the target's S3 stage
// (a folder per run, table and chunk) loaded by Redshift's COPY.
func (b Build) copier(ctx context.Context, tx pgx.Tx, e dialect.Engine) (copyFunc, error) {
	if e != dialect.Redshift {
		return func(ctx context.Context, query string, rel sqlname.Relation, cols []load.Column, _ int) error {
			_, err := load.Copy(ctx, b.Duck, query, tx, rel, cols)
			return err
		}, nil
	}
	cfg := b.Project.Config
	tmp := cfg.DuckDB.TempDirectory
	if tmp == "" {
		tmp = b.Project.Resolve(cfg.Paths.Warehouse) + ".tmp"
	}
	stage, err := load.OpenStage(ctx, cfg.Storage, cfg.EngineLoad.Stage, cfg.EngineLoad.IAMRole, tmp)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", cfg.Target, err)
	}
	return func(ctx context.Context, query string, rel sqlname.Relation, cols []load.Column, chunk int) error {
		table := strings.ReplaceAll(strings.ReplaceAll(string(rel), `"`, ""), ".", "__")
		copyStmt, err := stage.Load(ctx, b.Duck, query, cols, rel, fmt.Sprintf("run=%d", b.RunID), table, fmt.Sprintf("part=%d", chunk))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, copyStmt)
		return err
	}, nil
}

// sameColumns tells whether the engine has rel with cols's names, in
// order.
func sameColumns(ctx context.Context, tx pgx.Tx, rel sqlname.Relation, cols []load.Column) (bool, error) {
	schema, name, _ := strings.Cut(string(rel), ".")
	names, err := engineColumns(ctx, tx, strings.Trim(schema, `"`), strings.Trim(name, `"`))
	if err != nil || len(names) != len(cols) {
		return false, err
	}
	for i, c := range cols {
		if names[i] != load.EngineName(c.Name) {
			return false, nil
		}
	}
	return true, nil
}

// renameFingerprint does in the engine what migration 0011 did to elt's
// manifest (its column sha256 became fingerprint), so that the engine's
// copy, whose values are still right, is not taken for another table and
// copied again whole with every bronze row.
func renameFingerprint(ctx context.Context, tx pgx.Tx) error {
	names, err := engineColumns(ctx, tx, "elt", "files")
	if err != nil || !slices.Contains(names, "sha256") || slices.Contains(names, "fingerprint") {
		return err
	}
	if _, err := tx.Exec(ctx, `ALTER TABLE elt.files RENAME COLUMN sha256 TO fingerprint`); err != nil {
		return fmt.Errorf("rename the engine's elt.files.sha256 to fingerprint: %w", err)
	}
	return nil
}

// engineColumns lists the columns of a relation of the engine, in order
// (none when there is no such relation).
func engineColumns(ctx context.Context, tx pgx.Tx, schema, name string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, schema, name)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
