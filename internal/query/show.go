// Package query owns the read-only commands and their gate: elt show (a
// model's SQL run against what is published, nothing written) and elt
// query (one read-only statement, its errors placed at their line), both
// through the closed gate of Allow and Read, which lets through only what
// DuckDB's parser reads as exactly one query (or the EXPLAIN of one). The
// parser is reached through warehouse (CountStatements, SelectTree): this
// package imports neither duckdb-go nor its bindings.
package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Show runs a model's SQL, as it stands in its file now, against what is
// published, and returns its first limit rows; nothing is written. Each
// table it reads is named with its schema (as a build's SET schema would
// resolve it) and its variables are set first.
func Show(ctx context.Context, db *warehouse.DB, g *plan.Graph, model string, limit int) (*output.Result, error) {
	n, err := g.Model(model)
	if err != nil {
		return nil, err
	}
	m := n.Model
	body, err := n.Rewrite(func(id string) string {
		schema, name, _ := cutID(id)
		return sqlname.Qualified(schema, name).String()
	})
	if err != nil {
		return nil, err
	}
	query := fmt.Sprintf("SELECT * FROM (%s\n) AS model LIMIT %d", compile.TrimBody(body), limit)
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := unbuilt(ctx, conn, g, n); err != nil {
		return nil, err
	}
	for _, s := range compile.Vars(m) {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return nil, err
		}
	}
	prefix := len("SELECT * FROM (")
	if err := Allow(ctx, db, query); err != nil {
		if _, ok := errors.AsType[*warehouse.QueryError](err); ok {
			return nil, compile.SQLError(m.Path, m.Text, prefix, err)
		}
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, compile.SQLError(m.Path, m.Text, prefix, err)
	}
	res, err := read(db, rows, -1)
	if err != nil {
		return nil, compile.SQLError(m.Path, m.Text, prefix, err)
	}
	return res, nil
}

// unbuilt says what to run first when a relation the model reads is not in
// the warehouse yet (a source not ingested, a model not built), at the
// first place the model names it, instead of DuckDB's catalog error.
func unbuilt(ctx context.Context, q warehouse.Querier, g *plan.Graph, n *plan.Node) error {
	have, err := warehouse.Set(ctx, q, `SELECT lower(schema_name || '.' || table_name) FROM duckdb_tables() WHERE database_name = current_database()
		UNION ALL SELECT lower(schema_name || '.' || view_name) FROM duckdb_views() WHERE database_name = current_database()`)
	if err != nil {
		return err
	}
	var missing []string
	first := plan.Ref{Offset: -1}
	for _, r := range n.Refs {
		if have[r.ID] || slices.Contains(missing, r.ID) {
			continue
		}
		if len(missing) == 0 {
			first = r
		}
		missing = append(missing, r.ID)
	}
	if len(missing) == 0 {
		return nil
	}
	m := n.Model
	var what []string
	for _, id := range missing {
		switch {
		case g.Nodes[id] != nil:
			what = append(what, "model "+id+" is not built")
		case strings.HasPrefix(id, "bronze."):
			what = append(what, "source "+strings.TrimPrefix(id, "bronze.")+" is not ingested")
		default:
			what = append(what, id+" is not in the warehouse")
		}
	}
	line, col := 0, 0
	if first.Offset >= 0 {
		line, col = diag.Position(m.Text, first.Offset)
	}
	e := &diag.FileError{Path: m.Path, Line: line, Col: col,
		Msg:  fmt.Sprintf("%s reads %s, not in the warehouse yet: %s", m.ID(), strings.Join(missing, ", "), strings.Join(what, ", ")),
		Hint: "run `elt build` first (it ingests the sources and builds the models), then show the model again"}
	if line > 0 {
		e.Source = diag.LineOf(m.Text, line)
	}
	return e
}

// cutID splits a lower-case schema.name.
func cutID(id string) (schema, name string, ok bool) {
	for i := 0; i < len(id); i++ {
		if id[i] == '.' {
			return id[:i], id[i+1:], true
		}
	}
	return "", id, false
}

// Session is a project loaded and planned, with its warehouse open for
// reading, for the commands about one built model (show, checks suggest,
// tests scaffold); or, from Open, a project with its warehouse open for
// elt query (no Graph).
type Session struct {
	Project *project.Project
	Graph   *plan.Graph
	DB      *warehouse.DB // or the elt serve holding the warehouse (Remote), or the target's engine
	// engine is set when DB is the target's engine (elt query only).
	engine *engineSession
}

// Run runs one read-only statement (Run) on the session's warehouse, or,
// when its target builds in another engine, translated, on the engine.
func (s *Session) Run(ctx context.Context, path, text string, limit int) (*output.Result, error) {
	if s.engine != nil {
		return s.engine.run(ctx, s.DB, path, text, limit)
	}
	return Run(ctx, s.DB, path, text, limit)
}

// OpenModel loads the project in dir, checks that it has the model, and
// opens its warehouse read-only; the caller closes the session.
func OpenModel(ctx context.Context, dir string, o project.Overrides, model string) (*Session, error) {
	p, g, err := compile.Load(ctx, dir, o)
	if err != nil {
		return nil, err
	}
	n, err := g.Model(model)
	if err != nil {
		return nil, err
	}
	if err := compile.EmbeddedOnly(p, "this command", fmt.Sprintf("ask the engine with elt query --target %s", p.Config.Target)); err != nil {
		return nil, err
	}
	db, served, err := openOrRemote(ctx, p.Resolve(p.Config.Paths.Warehouse), func() (*warehouse.DB, error) { return state.Open(ctx, p, state.ReadOnly) })
	if err != nil {
		return nil, err
	}
	if served && len(n.Model.Header.Vars) > 0 {
		db.Close()
		return nil, fmt.Errorf("%s sets vars: in its header, and elt show would send them to the elt serve holding the warehouse, which runs queries only: "+
			"preview it with elt query, with the variables written in, or stop elt serve first", model)
	}
	return &Session{Project: p, Graph: g, DB: db}, nil
}

// Open opens p's warehouse for elt query: read-only, its statements run
// through the gate of Read (Run). The caller closes the
// session.
func Open(ctx context.Context, p *project.Project) (*Session, error) {
	if p.Config.Engine != "" {
		return openEngine(ctx, p)
	}
	db, _, err := openOrRemote(ctx, p.Resolve(p.Config.Paths.Warehouse), func() (*warehouse.DB, error) { return state.Open(ctx, p, state.Query) })
	if err != nil {
		return nil, err
	}
	return &Session{Project: p, DB: db}, nil
}

// Close closes the warehouse.
func (s *Session) Close() error {
	if s.engine != nil {
		s.engine.parser.Close()
	}
	return s.DB.Close()
}
