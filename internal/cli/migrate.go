package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/pipeline"
)

func migrateCommand() *cli.Command {
	action := func(f func(*pipeline.Migrator, *cli.Context) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			if err := cmdline.NoArgs(c); err != nil {
				return err
			}
			p, err := load(c)
			if err != nil {
				return err
			}
			m, close, err := pipeline.OpenMigrator(c.Context, p, c.Command.Name)
			if err != nil {
				return err
			}
			defer close()
			return f(m, c)
		}
	}
	version := func(m *pipeline.Migrator, c *cli.Context) error {
		v, dirty, err := m.Version()
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "version %d of %d", v, pipeline.LatestMigration())
		if dirty {
			fmt.Fprint(c.App.Writer, " (dirty: a migration failed half-way)")
		}
		fmt.Fprintln(c.App.Writer)
		return nil
	}
	down := func(m *pipeline.Migrator, c *cli.Context) error {
		steps, all := c.Int("steps"), c.Bool("all")
		switch {
		case all && c.IsSet("steps"):
			return cmdline.Usage("give --steps N or --all, not both")
		case !all && steps < 1:
			return cmdline.Usage("migrate down needs --steps N (N >= 1) or --all: reverting drops the tool's own tables (the run history, the file manifest, the quarantine), and the next build re-reads every bronze file")
		}
		dropped, err := pipeline.MigrateDown(m, steps, all)
		if err != nil {
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
			{Name: "up", Usage: "apply pending migrations", Description: "Example: elt migrate up\nA build applies them too, each time it opens the warehouse.", Action: action(func(m *pipeline.Migrator, c *cli.Context) error {
				if err := m.Up(); err != nil {
					return err
				}
				return version(m, c)
			})},
			{Name: "down", Usage: "revert migrations: --steps N, or --all", Description: "Example: elt migrate down --steps 1\nPrints the tables it dropped; the next build applies the migration again.", Flags: []cli.Flag{
				&cli.IntFlag{Name: "steps", Usage: "how many migrations to revert"},
				&cli.BoolFlag{Name: "all", Usage: "revert every migration (drops all of the tool's own tables)"},
			}, Action: action(down)},
			{Name: "version", Usage: "print the applied version", Description: "Example: elt migrate version", Action: action(version)},
		},
	}
}
