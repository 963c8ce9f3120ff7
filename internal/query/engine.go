package query

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/engine/target"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// engineSession is elt query on a target that builds in another engine:
// the question, written in DuckDB SQL, let through Allow's gate by
// DuckDB's parser, translated (dialect.Translate) and run on the engine
// in a read-only transaction.
type engineSession struct {
	engine dialect.Engine
	parser *warehouse.DB // an in-memory DuckDB: the gate and the translation
	vars   map[string]any
	macros map[string]dialect.Macro // the project's, written out where called
}

// openEngine opens the engine of p's target for elt query.
func openEngine(ctx context.Context, p *project.Project) (*Session, error) {
	dsn := os.Getenv(target.DSNEnv)
	if dsn == "" {
		return nil, fmt.Errorf("target %s builds in %s: set %s to its connection to query it", p.Config.Target, p.Config.Engine, target.DSNEnv)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target.DSNEnv, err)
	}
	// Whatever gets through, the server refuses to write.
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	cfg.RuntimeParams["application_name"] = "elt-query"
	cfg.RuntimeParams["TimeZone"] = "UTC" // as the build writes
	db := stdlib.OpenDB(*cfg)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to the %s engine of target %s (%s): %w", p.Config.Engine, p.Config.Target, target.DSNEnv, err)
	}
	parser, err := compile.Parser(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	// The project's macros, separated, to be written out where called.
	if err := plan.Macros(p.Macros); err != nil {
		db.Close()
		parser.Close()
		return nil, err
	}
	return &Session{Project: p, DB: &warehouse.DB{DB: db, Path: p.Config.Engine, ReadOnly: true},
		engine: &engineSession{engine: dialect.Engine(p.Config.Engine), parser: parser, vars: p.Config.Vars, macros: compile.EngineMacros(p)}}, nil
}

// run is Run on the engine.
func (e *engineSession) run(ctx context.Context, db *warehouse.DB, path, text string, limit int) (*output.Result, error) {
	if err := Allow(ctx, e.parser, text); err != nil {
		var ro *ReadOnlyError
		if errors.As(err, &ro) || errors.Is(err, ErrSeveralStatements) || errors.Is(err, ErrPivotValues) {
			return nil, err
		}
		return nil, queryError(path, text, err)
	}
	columns := func(schema, name string) ([]string, error) {
		rows, err := db.QueryContext(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, schema, name)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				return nil, err
			}
			cols = append(cols, c)
		}
		if err := rows.Err(); err != nil || len(cols) == 0 {
			return nil, fmt.Errorf("no relation %s.%s in the %s engine (%v)", schema, name, e.engine, err)
		}
		return cols, nil
	}
	sql, err := dialect.Translate(ctx, e.parser, text, e.engine, dialect.Options{Vars: e.vars, Columns: columns, Macros: e.macros})
	if err != nil {
		return nil, placeTranslation(path, text, err)
	}
	rows, err := db.QueryContext(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("the %s engine refused the translated query: %w\n%s", e.engine, err, sql)
	}
	return readRemote(rows, limit)
}

// placeTranslation places a construct with no translation at its line and
// column in text.
func placeTranslation(path, text string, err error) error {
	var te *dialect.Error
	if !errors.As(err, &te) || te.Offset < 0 {
		return err
	}
	line, col := diag.Position(text, te.Offset)
	return diag.At(path, text, line, col, "%s", te.Error())
}
