package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/inspect"
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
			if err := cmdline.NoArgs(c); err != nil {
				return err
			}
			return inspect.Docs(c.Context, c.String("project"), overrides(c), c.String("out"), reporting(c).Events())
		},
	}
}
