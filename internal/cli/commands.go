package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

func buildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "ingest new bronze files and build the models in dependency order",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "select", Aliases: []string{"s"}, Usage: "models to build: name, schema.*, tag:x, +before/after+"},
			&cli.StringSliceFlag{Name: "exclude", Usage: "models to leave out (same syntax)"},
			&cli.BoolFlag{Name: "full-refresh", Usage: "forget what was ingested and re-read all bronze files"},
			&cli.BoolFlag{Name: "accept-missing", Usage: "with --full-refresh: drop the records of ingested files that are gone from bronze"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usage("build takes no arguments (did you mean --select %s?)", c.Args().First())
			}
			if c.Bool("accept-missing") && !c.Bool("full-refresh") {
				return usage("--accept-missing goes with --full-refresh")
			}
			p, err := load(c)
			if err != nil {
				return err
			}
			db, err := openWarehouse(c, p, false)
			if err != nil {
				return err
			}
			defer db.Close()
			out := c.App.Writer
			b := &build.Builder{Project: p, DB: db, Out: out}
			sum, err := b.Run(c.Context, build.Options{
				Select: c.StringSlice("select"), Exclude: c.StringSlice("exclude"),
				FullRefresh: c.Bool("full-refresh"), AcceptMissing: c.Bool("accept-missing"), Args: commandLine(c),
			})
			if sum != nil && len(sum.Recon) > 0 {
				writeRecon(out, sum.Recon)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "Done: %d model%s built in %.2fs (run %d)\n", len(sum.Models), plural(len(sum.Models)), sum.Elapsed.Seconds(), sum.RunID)
			return nil
		},
	}
}

func writeRecon(w io.Writer, rs []build.Reconciliation) {
	fmt.Fprintf(w, "\n%-14s %10s %10s %11s %12s\n", "source", "read", "silver", "superseded", "quarantined")
	for _, r := range rs {
		mark := "ok"
		if !r.OK() {
			mark = "MISMATCH"
		}
		fmt.Fprintf(w, "%-14s %10d %10d %11d %12d  %s\n", r.Source, r.Read, r.Silver, r.Superseded, r.Quarantined, mark)
	}
	fmt.Fprintln(w)
}

// graph loads the project and plans it without touching the warehouse.
func graph(c *cli.Context) (*project.Project, *plan.Graph, error) {
	p, err := load(c)
	if err != nil {
		return nil, nil, err
	}
	db, err := planner(c)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	g, err := build.Plan(c.Context, db, p)
	return p, g, err
}

func compileCommand() *cli.Command {
	return &cli.Command{
		Name:      "compile",
		Usage:     "print exactly the SQL that build would run",
		ArgsUsage: "[MODEL...]",
		Action: func(c *cli.Context) error {
			p, g, err := graph(c)
			if err != nil {
				return err
			}
			ids, err := g.Select(c.Args().Slice(), nil)
			if err != nil {
				return usageError{error: err}
			}
			last := lastRuns(c, p)
			w := c.App.Writer
			for _, id := range ids {
				n := g.Nodes[id]
				m := n.Model
				fmt.Fprintf(w, "-- %s (%s) from %s\n", m.ID(), m.Header.Materialized, m.Path)
				if m.Header.Materialized == "incremental" {
					fmt.Fprintln(w, "-- when built whole (first build, --full-refresh, or an input rebuilt whole):")
				}
				printStatements(w, build.Statements(m))
				if m.Header.Materialized == "incremental" {
					stmts, err := build.IncrementalStatements(g, n, last[id])
					if err != nil {
						return err
					}
					fmt.Fprintf(w, "-- when brought up to date (bronze rows of runs after %d):\n", last[id])
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

// lastRuns reads each incremental model's last run from the warehouse, when
// there is one to read; compile works without it.
func lastRuns(c *cli.Context, p *project.Project) map[string]int64 {
	out := map[string]int64{}
	if _, err := os.Stat(p.Resolve(p.Config.Paths.Warehouse)); err != nil {
		return out
	}
	db, err := openWarehouse(c, p, true)
	if err != nil {
		return out
	}
	defer db.Close()
	rows, err := db.QueryContext(c.Context, `SELECT lower(model), last_run_id FROM elt.model_state`)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		var id int64
		if rows.Scan(&m, &id) == nil {
			out[m] = id
		}
	}
	return out
}

func lsCommand() *cli.Command {
	return &cli.Command{
		Name:  "ls",
		Usage: "list the models in build order with what they read",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			p, g, err := graph(c)
			if err != nil {
				return err
			}
			w := c.App.Writer
			for _, name := range p.Config.SourceNames() {
				s := p.Config.Sources[name]
				fmt.Fprintf(w, "source  %-36s %-6s  %s/%s\n", "bronze."+name, s.Format, p.Config.Paths.Bronze, s.Path)
			}
			for i, id := range g.Order {
				n := g.Nodes[id]
				var reads []string
				for _, r := range n.Refs {
					if !slices.Contains(reads, r.ID) {
						reads = append(reads, r.ID)
					}
				}
				line := fmt.Sprintf("%3d     %-36s %-6s", i+1, n.Model.ID(), n.Model.Header.Materialized)
				if len(reads) > 0 {
					line += "  <- " + strings.Join(reads, ", ")
				}
				fmt.Fprintln(w, strings.TrimRight(line, " "))
			}
			return nil
		},
	}
}

func queryCommand() *cli.Command {
	return &cli.Command{
		Name:      "query",
		Usage:     "ask the warehouse a question (read-only)",
		ArgsUsage: "(SQL | -f FILE | -)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table, csv, json or markdown"},
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read the SQL from a file (e.g. sql/conversion_by_country.sql)"},
		},
		Action: func(c *cli.Context) error {
			q, err := querySQL(c)
			if err != nil {
				return usageError{error: err}
			}
			if !slices.Contains(output.Formats, c.String("format")) {
				return usage("--format must be one of %s", strings.Join(output.Formats, ", "))
			}
			p, err := load(c)
			if err != nil {
				return err
			}
			db, err := openWarehouse(c, p, true)
			if err != nil {
				return err
			}
			defer db.Close()
			rows, err := db.Read(c.Context, q)
			var ro *warehouse.ReadOnlyError
			if errors.As(err, &ro) || errors.Is(err, warehouse.ErrSeveralStatements) {
				return err
			}
			if err != nil {
				return queryError(c, q, err)
			}
			res, err := output.Read(rows)
			if err != nil {
				return queryError(c, q, err)
			}
			return output.Write(c.App.Writer, c.String("format"), res)
		},
	}
}

func querySQL(c *cli.Context) (string, error) {
	if f := c.String("file"); f != "" {
		if c.NArg() > 0 {
			return "", fmt.Errorf("give the SQL as an argument or with -f, not both")
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", f, err)
		}
		return string(b), nil
	}
	switch {
	case c.NArg() == 0:
		return "", fmt.Errorf("query needs SQL: elt query 'SELECT ...', elt query -f FILE, or elt query - (stdin)")
	case c.NArg() > 1:
		return "", fmt.Errorf("quote the SQL as one argument: elt query \"SELECT ...\"")
	case c.Args().First() == "-":
		b, err := io.ReadAll(c.App.Reader)
		return string(b), err
	}
	return c.Args().First(), nil
}

// queryError shows a SQL error at its line in the query (or the -f file).
func queryError(c *cli.Context, q string, err error) error {
	path := c.String("file")
	if path == "" {
		path = "query"
	}
	return build.SQLError(path, q, 0, err)
}

func migrateCommand() *cli.Command {
	action := func(f func(*state.Migrator, *cli.Context) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			p, err := load(c)
			if err != nil {
				return err
			}
			path := p.Resolve(p.Config.Paths.Warehouse)
			if _, err := os.Stat(path); err != nil && c.Command.Name != "up" {
				return fmt.Errorf("no warehouse at %s: nothing to %s (elt build or elt migrate up creates it)", path, c.Command.Name)
			}
			db, err := openUnmigrated(c, p, false)
			if err != nil {
				return err
			}
			defer db.Close()
			m, err := state.NewMigrator(db.DB)
			if err != nil {
				return err
			}
			return f(m, c)
		}
	}
	version := func(m *state.Migrator, c *cli.Context) error {
		v, dirty, err := m.Version()
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "version %d of %d", v, state.Latest())
		if dirty {
			fmt.Fprint(c.App.Writer, " (dirty: a migration failed half-way)")
		}
		fmt.Fprintln(c.App.Writer)
		return nil
	}
	down := func(m *state.Migrator, c *cli.Context) error {
		steps, all := c.Int("steps"), c.Bool("all")
		switch {
		case all && c.IsSet("steps"):
			return usage("give --steps N or --all, not both")
		case !all && steps < 1:
			return usage("migrate down needs --steps N (N >= 1) or --all: reverting drops the tool's own tables (the run history, the file manifest, the quarantine), and the next build re-reads every bronze file")
		}
		v, _, err := m.Version()
		if err != nil {
			return err
		}
		to := uint(0)
		if !all && uint(steps) < v {
			to = v - uint(steps)
		}
		dropped, err := m.Dropped(to)
		if err != nil {
			return err
		}
		if err := m.Down(int(v - to)); err != nil {
			return err
		}
		if len(dropped) > 0 {
			fmt.Fprintf(c.App.Writer, "dropped %s\n", strings.Join(dropped, ", "))
		}
		return version(m, c)
	}
	return &cli.Command{
		Name:  "migrate",
		Usage: "manage the warehouse's own schema (run history, manifest, quarantine)",
		Subcommands: []*cli.Command{
			{Name: "up", Usage: "apply pending migrations", Action: action(func(m *state.Migrator, c *cli.Context) error {
				if err := m.Up(); err != nil {
					return err
				}
				return version(m, c)
			})},
			{Name: "down", Usage: "revert migrations: --steps N, or --all", Flags: []cli.Flag{
				&cli.IntFlag{Name: "steps", Usage: "how many migrations to revert"},
				&cli.BoolFlag{Name: "all", Usage: "revert every migration (drops all of the tool's own tables)"},
			}, Action: action(down)},
			{Name: "version", Usage: "print the applied version", Action: action(version)},
		},
	}
}
