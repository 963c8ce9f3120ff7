package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/engine/load"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
)

// models builds every model of the build in the engine under its staging
// name, in order.
func (b Build) models(ctx context.Context, tx pgx.Tx, e dialect.Engine) error {
	stmts, err := compile.ForEngine(ctx, b.Duck, b.Project, b.Graph, b.IDs, func(schema, name string) ([]string, error) {
		rows, err := tx.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, schema, name)
		if err != nil {
			return nil, err
		}
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err == nil && len(cols) == 0 {
			err = fmt.Errorf("no relation %s.%s in the engine", schema, name)
		}
		return cols, err
	})
	if err != nil {
		return err
	}
	rep := event.Or(b.Events)
	into, err := b.copier(ctx, tx, e)
	if err != nil {
		return err
	}
	for i, s := range stmts {
		start := time.Now()
		if s.Model.Seed != "" {
			if err := b.seed(ctx, tx, e, s, into); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, s.SQL); err != nil {
			rep.Report(event.ModelDone{Index: i + 1, Count: len(stmts), Model: s.Model.ID(), Mode: string(s.Model.Header.Materialized),
				Status: event.ModelFailed, Seconds: time.Since(start).Seconds(), Error: err.Error()})
			return &diag.FileError{Path: s.Model.Path, Msg: fmt.Sprintf("the %s engine refused the translated model: %v (elt compile --target %s %s prints what was sent)",
				e, err, b.Project.Config.Target, s.Model.ID())}
		}
		var rows int64
		if s.Model.Header.Materialized != project.View {
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+string(sqlname.Staging(s.Model.Schema, s.Model.Name))).Scan(&rows); err != nil {
				return err
			}
		}
		rep.Report(event.ModelDone{Index: i + 1, Count: len(stmts), Model: s.Model.ID(), Mode: string(s.Model.Header.Materialized),
			Status: event.ModelBuilt, Rows: rows, Seconds: time.Since(start).Seconds()})
	}
	return nil
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

// publish renames each model's staging relation over its published one.
func publish(ctx context.Context, tx pgx.Tx, g *plan.Graph, ids []string) error {
	// Views first, in reverse order: a view may read a table dropped here.
	for i := len(ids) - 1; i >= 0; i-- {
		m := g.Nodes[ids[i]].Model
		var kind string
		err := tx.QueryRow(ctx, `SELECT table_type FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2`, m.Schema, m.Name).Scan(&kind)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf("DROP %s %s", relation{Type: kind}.kind(), sqlname.Qualified(m.Schema, m.Name))); err != nil {
			return fmt.Errorf("replace %s in the engine: %w", m.ID(), err)
		}
	}
	for _, id := range ids {
		m := g.Nodes[id].Model
		kind := "TABLE"
		if m.Header.Materialized == project.View {
			kind = "VIEW"
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER %s %s RENAME TO %s", kind, sqlname.Staging(m.Schema, m.Name), sqlname.Ident(m.Name))); err != nil {
			return fmt.Errorf("publish %s in the engine: %w", m.ID(), err)
		}
	}
	return nil
}
