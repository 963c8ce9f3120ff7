package cli

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/execute"
	"github.com/digitalservices/elt/internal/state"
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
			tests, err := execute.UnitTestNames(p)
			if err != nil {
				return err
			}
			site, err := execute.Docs(c.Context, parser, db, p, g, tests)
			if err != nil {
				return err
			}
			out := c.String("out")
			if out == "" {
				out = p.Resolve(p.Config.Paths.Output) + "/docs"
			}
			path, err := execute.WriteDocs(site, out)
			if err != nil {
				return err
			}
			events(c).Report(event.DocsWritten{Path: path, Models: len(site.Models), Sources: len(site.Sources)})
			return nil
		},
	}
}
