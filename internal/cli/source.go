package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/author"
	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/project"
)

func sourceCommand() *cli.Command {
	return &cli.Command{
		Name:  "source",
		Usage: "work with source declarations",
		Subcommands: []*cli.Command{{
			Name: "infer",
			Description: "Example: elt source infer data/bronze/users\n" +
				"Samples the files and prints their entries for elt.yaml, to paste under its sources: key\n" +
				"(indented as elt.yaml indents them); --write merges them into elt.yaml, keeping its comments.",
			Usage:     "sample bronze folders or files with DuckDB's sniffers and print their entries for sources: in elt.yaml",
			ArgsUsage: "PATH...",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "write", Usage: "merge the entries into elt.yaml's sources: (comments and layout kept)"},
			},
			Action: func(c *cli.Context) error {
				if c.NArg() == 0 {
					return cmdline.Usage("source infer needs one or more folders (or files) to sample: elt source infer data/bronze/orders")
				}
				in, err := author.InferSources(c.Context, c.String("project"), c.String("bronze"), c.Args().Slice(), c.Bool("write"))
				if err != nil {
					return err
				}
				if !in.Written {
					if in.NoSourcesKey {
						fmt.Fprintf(c.App.Writer, "# %s has no sources: yet: add this line with the entries under it (or run elt source infer --write)\nsources:\n%s", project.ConfigFile, in.Block)
						return nil
					}
					fmt.Fprintf(c.App.Writer, "# under sources: in %s (or run elt source infer --write to merge them)\n%s", project.ConfigFile, in.Block)
					return nil
				}
				fmt.Fprint(c.App.Writer, in.Block)
				fmt.Fprintf(c.App.Writer, "wrote %d source%s into %s's sources:\n", len(in.Names), output.Plural(len(in.Names)), project.ConfigFile)
				return nil
			},
		}},
	}
}
