package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/check"
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
			p, g, err := graph(c)
			if err != nil {
				return err
			}
			ids, err := g.Select(c.StringSlice("select"), c.StringSlice("exclude"))
			if err != nil {
				return usageError{error: err}
			}
			db, err := openWarehouse(c, p, true)
			if err != nil {
				return err
			}
			defer db.Close()
			var results []check.Result
			for _, id := range ids {
				rs, err := check.Model(c.Context, db, g.Nodes[id].Model)
				if err != nil {
					return err
				}
				results = append(results, rs...)
			}
			if len(c.StringSlice("select")) == 0 {
				tests, err := check.DataTests(c.Context, db, p.Dir)
				if err != nil {
					return err
				}
				results = append(results, tests...)
			}
			if len(results) == 0 {
				fmt.Fprintln(c.App.Writer, "no checks declared")
				return nil
			}
			check.Report(c.App.Writer, results)
			if blocking := check.Blocking(results); blocking > 0 {
				return cli.Exit(fmt.Sprintf("%d blocking check%s failed", blocking, plural(blocking)), ExitFailure)
			}
			return nil
		},
	}
}
