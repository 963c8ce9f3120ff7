package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/execute"
)

func sourceCommand() *cli.Command {
	return &cli.Command{
		Name:  "source",
		Usage: "work with source declarations",
		Subcommands: []*cli.Command{{
			Name: "infer",
			Description: "Example: elt source infer data/bronze/users\n" +
				"Samples the files and prints a sources: block to paste into elt.yaml.",
			Usage:     "sample bronze folders or files with DuckDB's sniffers and print a sources: block for elt.yaml",
			ArgsUsage: "PATH...",
			Action: func(c *cli.Context) error {
				if c.NArg() == 0 {
					return usage("source infer needs one or more folders (or files) to sample: elt source infer data/bronze/orders")
				}
				block, err := execute.Infer(c.Context, c.Args().Slice())
				if err != nil {
					return err
				}
				fmt.Fprint(c.App.Writer, block)
				return nil
			},
		}},
	}
}
