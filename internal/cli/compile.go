package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/execute"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
)

func compileCommand() *cli.Command {
	return &cli.Command{
		Name: "compile",
		Description: "Example: elt compile silver.users\n" +
			"Prints the statements a build runs for each model: whole, and for an incremental model brought up to date.",
		Usage:     "print exactly the SQL that build would run",
		ArgsUsage: "[MODEL...]",
		Action: func(c *cli.Context) error {
			p, g, err := compile.Load(c.Context, c.String("project"), overrides(c))
			if err != nil {
				return err
			}
			warnUnread(c, p)
			ids, err := g.Select(c.Args().Slice(), nil)
			if err != nil {
				return usageError{error: err}
			}
			if err := execute.CheckHeaders(c.Context, p, g, ids); err != nil {
				return err
			}
			last, err := lastRuns(c, p)
			if err != nil {
				return err
			}
			w := c.App.Writer
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
					stmts, err := compile.IncrementalStatements(g, n, last[id].LastRun)
					if err != nil {
						return err
					}
					fmt.Fprintf(w, "-- when brought up to date (bronze rows of runs after %d):\n", last[id].LastRun)
					printStatements(w, stmts)
				}
				fmt.Fprintln(w)
			}
			return nil
		},
	}
}

func printStatements(w io.Writer, stmts []string) {
	for _, s := range stmts {
		fmt.Fprintf(w, "%s;\n", s)
	}
}

// lastRuns reads the incremental models' state from the warehouse, when
// there is one; compile works without it.
func lastRuns(c *cli.Context, p *project.Project) (map[string]state.ModelState, error) {
	if _, err := os.Stat(p.Resolve(p.Config.Paths.Warehouse)); err != nil {
		return nil, nil
	}
	db, err := state.Open(c.Context, p, state.ReadOnly)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return state.ModelStates(c.Context, db)
}

func lsCommand() *cli.Command {
	return &cli.Command{
		Name:        "ls",
		Description: "Example: elt ls",
		Usage:       "list the sources and the models in build order, with what each model reads",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text, or json: the graph (sources, models, seeds, what each depends on, " +
				"materialization, tags, checks; schema elt.graph/1) for a scheduler"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			format := c.String("format")
			if format != "text" && format != "json" {
				return usage("--format takes text or json, not %q", format)
			}
			p, g, err := compile.Load(c.Context, c.String("project"), overrides(c))
			if err != nil {
				return err
			}
			warnUnread(c, p)
			w := c.App.Writer
			if format == "json" {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(g.Listing(p))
			}
			for _, name := range p.Config.SourceNames() {
				s := p.Config.Sources[name]
				line := fmt.Sprintf("source  %-36s %-6s  %s/%s", "bronze."+name, s.Format, p.Config.Paths.Bronze, s.Path)
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
		},
	}
}
