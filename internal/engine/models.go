package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/engine/load"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
)

// models builds every model of the build in the engine under its staging
// name, in order.
func (b Build) models(ctx context.Context, tx pgx.Tx, e dialect.Engine, into copyFunc) ([]compile.EngineStatement, error) {
	// A relation's columns, as the engine has them now: a model of this
	// build under its staging name (a view's published SQL names it as
	// published).
	columns := func(schema, name string) ([]string, error) {
		if slices.Contains(b.IDs, schema+"."+name) {
			name = sqlname.StagingPrefix + name
		}
		cols, err := engineColumns(ctx, tx, schema, name)
		if err == nil && len(cols) == 0 {
			err = fmt.Errorf("no relation %s.%s in the engine", schema, name)
		}
		return cols, err
	}
	rep := event.Or(b.Events)
	var stmts []compile.EngineStatement
	for i, id := range b.IDs {
		start := time.Now()
		s, err := compile.ForEngineModel(ctx, b.Duck, b.Project, b.Graph, b.IDs, id, columns)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, s)
		rows := int64(-1) // unknown yet
		if s.Model.Seed != "" {
			if err := b.seed(ctx, tx, e, s, into); err != nil {
				return nil, err
			}
		} else if rows, err = execAll(ctx, tx, append([]string{s.SQL}, s.After...)); err != nil {
			rep.Report(event.ModelDone{Index: i + 1, Count: len(b.IDs), Model: s.Model.ID(), Mode: string(s.Model.Header.Materialized),
				Status: event.ModelFailed, Seconds: time.Since(start).Seconds(), Error: err.Error()})
			return nil, &diag.FileError{Path: s.Model.Path, Msg: fmt.Sprintf("the %s engine refused the translated model: %v (elt compile --target %s %s prints what was sent)",
				e, err, b.Project.Config.Target, s.Model.ID())}
		}
		if s.Model.Header.Materialized == project.View {
			rows = 0
		} else if rows < 0 {
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+string(sqlname.Staging(s.Model.Schema, s.Model.Name))).Scan(&rows); err != nil {
				return nil, err
			}
		}
		rep.Report(event.ModelDone{Index: i + 1, Count: len(b.IDs), Model: s.Model.ID(), Mode: string(s.Model.Header.Materialized),
			Status: event.ModelBuilt, Rows: rows, Seconds: time.Since(start).Seconds()})
	}
	return stmts, nil
}

// execAll runs stmts in order, stopping at the first that fails. It
// returns the rows the first wrote when the engine says it (PostgreSQL's
// CREATE TABLE ... AS answers SELECT n), -1 otherwise.
func execAll(ctx context.Context, tx pgx.Tx, stmts []string) (int64, error) {
	rows := int64(-1)
	for i, stmt := range stmts {
		tag, err := tx.Exec(ctx, stmt)
		if err != nil {
			return -1, err
		}
		if i == 0 && tag.Select() {
			rows = tag.RowsAffected()
		}
	}
	return rows, nil
}

// seed reads a seed's file with DuckDB and copies its rows to the engine
// under the seed's staging name.
func (b Build) seed(ctx context.Context, tx pgx.Tx, e dialect.Engine, s compile.EngineStatement, into copyFunc) error {
	m := s.Model
	staging := sqlname.Staging(m.Schema, m.Name)
	cols, err := load.Columns(ctx, b.Duck, s.SQL)
	if err == nil {
		var create string
		if create, err = load.CreateTable(e, staging, cols); err == nil {
			if _, err = tx.Exec(ctx, create); err == nil {
				err = into(ctx, s.SQL, staging, cols, 0)
			}
		}
	}
	if err != nil {
		return &diag.FileError{Path: m.Seed, Msg: fmt.Sprintf("copy the seed %s to the engine: %v", m.ID(), err)}
	}
	return nil
}

// publish puts each model's staged relation in place of its published
// one, in the transaction:
//   - a table whose columns (names and types, in order) are the same is
//     written in place, so what depends on it (a reader's view, a model
//     view not in this build, grants) stays: an incremental model's rows
//     merged by unique_key (merge), any other's replaced (DELETE, INSERT);
//   - a new table, or one whose columns changed, is renamed over the old
//     one, which is dropped: the views of this build first (made again
//     below), and anything else depending on it stops the build, named;
//   - each view is made again over what is then published: in place
//     (CREATE OR REPLACE) when its columns are the same.
func publish(ctx context.Context, tx pgx.Tx, e dialect.Engine, stmts []compile.EngineStatement) error {
	exec := func(m *project.Model, format string, args ...any) error {
		if _, err := tx.Exec(ctx, fmt.Sprintf(format, args...)); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "2BP01" {
				return fmt.Errorf("publish %s in the engine: %s (%s), and a table whose columns changed is replaced whole, "+
					"with the views of the build that read it: drop what depends on it, build, then make that again", m.ID(), pe.Message, pe.Detail)
			}
			return fmt.Errorf("publish %s in the engine: %w", m.ID(), err)
		}
		return nil
	}
	kinds := map[*project.Model]string{}
	for _, s := range stmts {
		m := s.Model
		var kind string
		err := tx.QueryRow(ctx, `SELECT table_type FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2`, m.Schema, m.Name).Scan(&kind)
		if err == nil {
			kinds[m] = relation{Type: kind}.kind()
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	// A view whose columns are the same is replaced in place (CREATE OR
	// REPLACE), so what depends on it stays.
	sameView := map[*project.Model]bool{}
	for _, s := range stmts {
		if m := s.Model; s.Publish != "" && kinds[m] == "VIEW" {
			same, err := sameShape(ctx, tx, m)
			if err != nil {
				return err
			}
			sameView[m] = same
		}
	}
	// The staged views read the staged tables, which go here.
	for i := len(stmts) - 1; i >= 0; i-- {
		if m := stmts[i].Model; stmts[i].Publish != "" {
			if err := exec(m, "DROP VIEW %s", sqlname.Staging(m.Schema, m.Name)); err != nil {
				return err
			}
		}
	}
	var replaced []*project.Model
	for _, s := range stmts {
		m := s.Model
		if s.Publish != "" {
			continue
		}
		if kinds[m] == "TABLE" {
			same, err := sameShape(ctx, tx, m)
			if err != nil {
				return err
			}
			if same {
				if err := writeInPlace(ctx, tx, e, m); err != nil {
					return fmt.Errorf("publish %s in the engine: %w", m.ID(), err)
				}
				continue
			}
		}
		replaced = append(replaced, m)
	}
	if len(replaced) > 0 {
		// This build's views may read what is dropped: they go first.
		for i := len(stmts) - 1; i >= 0; i-- {
			if m := stmts[i].Model; stmts[i].Publish != "" && kinds[m] != "" {
				if err := exec(m, "DROP %s %s", kinds[m], sqlname.Qualified(m.Schema, m.Name)); err != nil {
					return err
				}
				delete(kinds, m)
			}
		}
	}
	for _, m := range replaced {
		if kinds[m] != "" {
			if err := exec(m, "DROP %s %s", kinds[m], sqlname.Qualified(m.Schema, m.Name)); err != nil {
				return err
			}
		}
		if err := exec(m, "ALTER TABLE %s RENAME TO %s", sqlname.Staging(m.Schema, m.Name), sqlname.Ident(m.Name)); err != nil {
			return err
		}
	}
	for _, s := range stmts {
		if m := s.Model; s.Publish != "" {
			if kinds[m] == "VIEW" && sameView[m] {
				if err := exec(m, "CREATE OR REPLACE %s", strings.TrimPrefix(s.Publish, "CREATE ")); err != nil {
					return err
				}
				continue
			}
			if kinds[m] != "" {
				if err := exec(m, "DROP %s %s", kinds[m], sqlname.Qualified(m.Schema, m.Name)); err != nil {
					return err
				}
			}
			if err := exec(m, "%s", s.Publish); err != nil {
				return err
			}
		}
	}
	return nil
}

// sameShape tells whether a model's published table and its staged one
// have the same columns: names and types, in order.
func sameShape(ctx context.Context, tx pgx.Tx, m *project.Model) (bool, error) {
	shape := func(rel sqlname.Relation) (string, error) {
		rows, err := tx.Query(ctx, `SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute
			WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, string(rel))
		if err != nil {
			return "", err
		}
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		return strings.Join(cols, ", "), err
	}
	pub, err := shape(sqlname.Qualified(m.Schema, m.Name))
	if err != nil {
		return false, err
	}
	staged, err := shape(sqlname.Staging(m.Schema, m.Name))
	return err == nil && pub == staged, err
}

// writeInPlace brings a model's published table to its staged rows and
// drops the staged table. An incremental model's rows are merged by its
// unique_key: the rows whose key is gone, or whose values changed (a row
// compared as its JSON text: json columns have no equality), are deleted
// (DELETE ... USING), and the new and changed ones inserted; only what
// changed is written. Redshift, which cannot compare whole rows, replaces
// every row of the keys staged. Any other table has all its rows
// replaced.
func writeInPlace(ctx context.Context, tx pgx.Tx, e dialect.Engine, m *project.Model) error {
	published, staged := sqlname.Qualified(m.Schema, m.Name), sqlname.Staging(m.Schema, m.Name)
	stmts := []string{
		fmt.Sprintf("DELETE FROM %s", published),
		fmt.Sprintf("INSERT INTO %s SELECT * FROM %s", published, staged),
	}
	if key := sqlname.Ident(load.EngineName(m.Header.UniqueKey)); m.Header.Materialized == project.Incremental && m.Header.UniqueKey != "" {
		changed := fmt.Sprintf("elt_old.%s = elt_new.%s AND row_to_json(elt_old)::text IS DISTINCT FROM row_to_json(elt_new)::text", key, key)
		if e == dialect.Redshift {
			changed = fmt.Sprintf("elt_old.%s = elt_new.%s", key, key)
		}
		stmts = []string{
			fmt.Sprintf("DELETE FROM %s AS elt_old USING %s AS elt_new WHERE %s", published, staged, changed),
			fmt.Sprintf("DELETE FROM %s AS elt_old WHERE NOT EXISTS (SELECT 1 FROM %s AS elt_new WHERE elt_new.%s = elt_old.%s)", published, staged, key, key),
			fmt.Sprintf("INSERT INTO %s SELECT elt_new.* FROM %s AS elt_new WHERE NOT EXISTS (SELECT 1 FROM %s AS elt_old WHERE elt_old.%s = elt_new.%s)", published, staged, published, key, key),
		}
	}
	for _, stmt := range append(stmts, "DROP TABLE "+string(staged)) {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
