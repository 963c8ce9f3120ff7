package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/execute"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/state"
)

func testCommand() *cli.Command {
	return &cli.Command{
		Name:  "test",
		Usage: "run the models' checks and sql/tests/ against what is published",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "select", Aliases: []string{"s"}, Usage: "models to check (same syntax as build)"},
			&cli.StringSliceFlag{Name: "exclude", Usage: "models to leave out"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			p, g, err := compile.Load(c.Context, c.String("project"), overrides(c))
			if err != nil {
				return err
			}
			if _, err := g.Select(c.StringSlice("select"), c.StringSlice("exclude")); err != nil {
				return usageError{error: err}
			}
			db, err := state.Open(c.Context, p, state.ReadOnly)
			if err != nil {
				return err
			}
			defer db.Close()
			ran, blocking, err := execute.Test(c.Context, db, p, g, c.StringSlice("select"), c.StringSlice("exclude"), c.App.Writer)
			switch {
			case err != nil:
				return err
			case ran == 0:
				fmt.Fprintln(c.App.Writer, "no checks declared")
			case blocking > 0:
				return cli.Exit(fmt.Sprintf("%d blocking check%s failed", blocking, output.Plural(blocking)), ExitFailure)
			}
			return nil
		},
	}
}
