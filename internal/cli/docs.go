package cli

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/docs"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/unit"
)

func docsCommand() *cli.Command {
	return &cli.Command{
		Name:  "docs",
		Usage: "write the documentation site: sources, models, columns, checks, runs and lineage, one HTML file that works offline",
		Description: "Example: elt docs --out data/out/docs\n" +
			"Then open data/out/docs/index.html in a browser; it needs no server.\n" +
			"Without a built warehouse the site still shows the models, their SQL and lineage.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "folder to write index.html to (default: docs/ under the output path)"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			p, g, err := compile.Load(c.Context, c.String("project"), overrides(c))
			if err != nil {
				return err
			}
			parser, err := compile.Parser(c.Context)
			if err != nil {
				return err
			}
			defer parser.Close()
			db, err := state.Open(c.Context, p, state.ReadOnly)
			if err != nil {
				if _, statErr := os.Stat(p.Resolve(p.Config.Paths.Warehouse)); statErr == nil {
					return err
				}
				db = nil // not built yet: the site shows what the project declares
			}
			if db != nil {
				defer db.Close()
			}
			tests, err := unit.Names(p.Dir)
			if err != nil {
				return err
			}
			site, err := docs.Gather(c.Context, parser, db, p, g, tests)
			if err != nil {
				return err
			}
			out := c.String("out")
			if out == "" {
				out = p.Resolve(p.Config.Paths.Output) + "/docs"
			}
			path, err := docs.Write(site, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "wrote %s: %d models, %d sources\n", path, len(site.Models), len(site.Sources))
			return nil
		},
	}
}
