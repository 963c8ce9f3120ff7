// Package describe owns what follows from a project's files alone, without
// a warehouse: its models built empty in an in-memory DuckDB (Describe), so
// the columns and types DuckDB binds each model's SQL to are known; the
// check of model headers and source checks against those columns
// (CheckHeaders), before anything runs.
package describe

import (
	"context"
	"database/sql"
	"slices"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Described is a project's relations as DuckDB binds their SQL, without
// data: an in-memory DuckDB holding the sources' bronze tables, created
// empty as a build creates them, the project's macros, and each described
// model as an empty table of the columns and types its SQL returns. What
// it holds follows from the project's files alone, never from a warehouse.
type Described struct {
	// DB is the in-memory DuckDB; its catalog (information_schema) has
	// every described relation. Close closes it.
	DB *warehouse.DB
	// Failed are the models that could not be described, by node ID: the
	// error of one whose SQL does not bind, at its place in the model
	// file; nil for one downstream of such a model.
	Failed map[string]error
	// Macros is the error of the project's macros when they do not run;
	// then no model is described.
	Macros error
	conn   *sql.Conn
	order  []string // the models tried, in the graph's order
}

// Err is why the described models are not all there: the macros' error,
// or every model whose SQL does not bind, together, each at its place.
func (d *Described) Err() error {
	if d.Macros != nil {
		return d.Macros
	}
	var errs diag.Errors
	for _, id := range d.order {
		if err := d.Failed[id]; err != nil {
			errs.Add(err)
		}
	}
	return errs.Err()
}

// Close closes the in-memory DuckDB.
func (d *Described) Close() error {
	d.conn.Close()
	return d.DB.Close()
}

// Describe creates the models of ids, and those upstream of them, empty in
// an in-memory DuckDB (see Described), in the graph's order. No query runs
// and no file is read but the seeds' (DESCRIBE binds a model's SQL), so a
// project never built is described as well as a built one, and always as
// its current SQL stands. each, when not nil, is called with every model
// described, right after it is created, on the connection that created it
// (its variables and search path set).
func Describe(ctx context.Context, p *project.Project, g *plan.Graph, ids []string, each func(conn *sql.Conn, m *project.Model, cols []string)) (*Described, error) {
	db, err := warehouse.Open(ctx, "", warehouse.Options{Threads: 1, FileSearchPath: p.Dir, Setup: sqlname.SetVariables(p.Config.Vars)})
	if err != nil {
		return nil, err
	}
	d := &Described{DB: db, Failed: map[string]error{}}
	if d.conn, err = db.Conn(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := d.describe(ctx, p, g, ids, each); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Described) describe(ctx context.Context, p *project.Project, g *plan.Graph, ids []string, each func(conn *sql.Conn, m *project.Model, cols []string)) error {
	if err := plan.CreateMacros(ctx, d.conn, p.Macros, false); err != nil {
		d.Macros = err
		return nil
	}
	if err := ingest.Tables(ctx, d.conn, ingest.Declared(p.Config, p.Resolve(p.Config.Paths.Bronze))); err != nil {
		return err
	}
	need := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		if need[id] {
			return
		}
		need[id] = true
		for _, dep := range g.Nodes[id].Deps {
			visit(dep)
		}
	}
	for _, id := range ids {
		visit(id)
	}
	if slices.ContainsFunc(g.Order, func(id string) bool {
		return need[id] && slices.Contains(g.Nodes[id].Inputs(), state.QuarantineTable)
	}) {
		if err := state.Migrate(d.DB.DB); err != nil { // the quarantine, which a model reads
			return err
		}
	}
	for _, id := range g.Order {
		if !need[id] {
			continue
		}
		d.order = append(d.order, id)
		n := g.Nodes[id]
		if slices.ContainsFunc(n.Deps, func(dep string) bool { _, failed := d.Failed[dep]; return failed }) {
			d.Failed[id] = nil
			continue
		}
		cols, err := createEmpty(ctx, d.conn, n.Model)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d.Failed[id] = err
			continue
		}
		if each != nil {
			each(d.conn, n.Model, cols)
		}
	}
	return nil
}
