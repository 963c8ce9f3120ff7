// Package inspect owns the commands that read the project (and, when there
// is one, the warehouse) to show or verify it: elt compile (the SQL a
// build runs), elt ls (the graph), elt ddl (Redshift DDL from the models'
// described columns), elt test (unit tests and data checks) and elt docs
// (the documentation site). Each function loads the project and returns,
// or writes to w, what its command prints; cli keeps the flags, the usage
// errors and the exit codes.
package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/describe"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
)

// UsageError is a selection of models that cannot be made (a name no
// model has, a malformed selector): a mistake in the command line.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Compile prints to w exactly the SQL a build would run for the models
// named (all when none): each model's statements whole and, for an
// incremental model, those that bring it up to date after its last run in
// the warehouse (when there is one). loaded is told the project once it
// is loaded and planned.
func Compile(ctx context.Context, dir string, o project.Overrides, models []string, loaded func(*project.Project), w io.Writer) error {
	p, g, err := compile.Load(ctx, dir, o)
	if err != nil {
		return err
	}
	loaded(p)
	ids, err := g.Select(models, nil)
	if err != nil {
		return &UsageError{err}
	}
	if err := describe.CheckHeaders(ctx, p, g, ids); err != nil {
		return err
	}
	if p.Config.Engine != "" {
		// Translated from DuckDB's syntax tree of each model; a construct
		// with no translation is an error at its place, and nothing is
		// printed.
		parser, err := compile.Parser(ctx)
		if err != nil {
			return err
		}
		defer parser.Close()
		stmts, err := compile.ForEngine(ctx, parser, p, g, ids, nil)
		if err != nil {
			return err
		}
		if err := compile.EngineChecks(ctx, parser, p, g, ids); err != nil {
			return err
		}
		for _, s := range stmts {
			m := s.Model
			if m.Seed != "" {
				fmt.Fprintf(w, "-- %s (seed) from %s: read by DuckDB, its rows copied to %s under its staging name, then published\n%s;\n\n",
					m.ID(), m.Seed, p.Config.Engine, s.SQL)
				continue
			}
			fmt.Fprintf(w, "-- %s (%s) from %s, for %s (target %s): built under its staging name, then published\n%s;\n",
				m.ID(), m.Header.Materialized, m.Path, p.Config.Engine, p.Config.Target, s.SQL)
			for _, a := range append(s.After, s.Publish) {
				if a != "" {
					fmt.Fprintf(w, "%s;\n", a)
				}
			}
			fmt.Fprintln(w)
		}
		return nil
	}
	last, err := lastRuns(ctx, p)
	if err != nil {
		return err
	}
	for _, id := range ids {
		n := g.Nodes[id]
		m := n.Model
		inc := m.Header.Materialized == project.Incremental
		fmt.Fprintf(w, "-- %s (%s) from %s\n", m.ID(), m.Header.Materialized, m.Path)
		if inc {
			fmt.Fprintln(w, "-- when built whole (first build, --full-refresh, or an input rebuilt whole):")
		}
		printStatements(w, compile.Statements(m))
		if inc {
			steps, err := compile.IncrementalSteps(g, n, last[id].LastRun)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "-- when brought up to date (bronze rows of runs after %d):\n", last[id].LastRun)
			for _, st := range steps {
				if st.When != "" {
					fmt.Fprintf(w, "-- only when this is true: %s\n", st.When)
				}
				fmt.Fprintf(w, "%s;\n", st.SQL)
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}

func printStatements(w io.Writer, stmts []string) {
	for _, s := range stmts {
		fmt.Fprintf(w, "%s;\n", s)
	}
}

// lastRuns reads the incremental models' state from the warehouse, when
// there is one; compile works without it.
func lastRuns(ctx context.Context, p *project.Project) (map[string]state.ModelState, error) {
	if _, err := os.Stat(p.Resolve(p.Config.Paths.Warehouse)); err != nil {
		return nil, nil
	}
	db, err := state.Open(ctx, p, state.ReadOnly)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return state.ModelStates(ctx, db)
}

// List prints to w the sources, with their fields, and the models in build
// order with what each reads (elt ls). loaded is told the project once it
// is loaded and planned.
//
// With asJSON it writes the graph as JSON instead (plan.Listing, schema
// elt.graph/1), for a scheduler.
func List(ctx context.Context, dir string, o project.Overrides, loaded func(*project.Project), asJSON bool, w io.Writer) error {
	p, g, err := compile.Load(ctx, dir, o)
	if err != nil {
		return err
	}
	loaded(p)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(g.Listing(p))
	}
	for _, name := range p.Config.SourceNames() {
		s := p.Config.Sources[name]
		line := fmt.Sprintf("source  %-36s %-6s  %s", "bronze."+name, s.Format, p.Config.SourceLocation(p.Config.Paths.Bronze, name))
		if s.Key != "" {
			line += "  key " + s.Key
		}
		if s.Description != "" {
			line += "  " + s.Description
		}
		fmt.Fprintln(w, line)
		for _, f := range s.Fields {
			fmt.Fprintf(w, "          %-30s %s\n", f.Name, f)
		}
	}
	for i, id := range g.Order {
		n := g.Nodes[id]
		reads := n.Inputs()
		line := fmt.Sprintf("%3d     %-36s %-6s", i+1, n.Model.ID(), n.Model.Header.Materialized)
		if n.Model.Seed != "" {
			reads = []string{n.Model.Seed}
			line = fmt.Sprintf("%3d     %-36s %-6s", i+1, n.Model.ID(), "seed")
		}
		if len(reads) > 0 {
			line += "  <- " + strings.Join(reads, ", ")
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	return nil
}
