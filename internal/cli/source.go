package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/execute"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/yamledit"
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
					return usage("source infer needs one or more folders (or files) to sample: elt source infer data/bronze/orders")
				}
				dir, err := filepath.Abs(c.String("project"))
				if err != nil {
					return err
				}
				path := filepath.Join(dir, project.ConfigFile)
				data, readErr := os.ReadFile(path)
				if readErr != nil && (c.Bool("write") || !errors.Is(readErr, os.ErrNotExist)) {
					if errors.Is(readErr, os.ErrNotExist) {
						return fmt.Errorf("no %s in %s to merge the sources into: run elt in a project folder or pass --project", project.ConfigFile, dir)
					}
					return readErr
				}
				text := string(data)
				o := execute.InferOptions{Indent: yamledit.SourcesIndent(text)}
				if readErr == nil {
					bronze := c.String("bronze")
					if bronze == "" {
						if cfg, err := project.LoadConfig(dir); err == nil {
							bronze = cfg.Paths.Bronze
						} else if c.Bool("write") {
							return err
						}
					}
					if bronze != "" && !filepath.IsAbs(bronze) {
						bronze = filepath.Join(dir, bronze)
					}
					o.Bronze = bronze
				}
				in, err := execute.Infer(c.Context, c.Args().Slice(), o)
				if err != nil {
					return err
				}
				if !c.Bool("write") {
					if readErr == nil && !yamledit.HasSources(text) {
						fmt.Fprintf(c.App.Writer, "# %s has no sources: yet: add this line with the entries under it (or run elt source infer --write)\nsources:\n%s", project.ConfigFile, in.Block)
						return nil
					}
					fmt.Fprintf(c.App.Writer, "# under sources: in %s (or run elt source infer --write to merge them)\n%s", project.ConfigFile, in.Block)
					return nil
				}
				if len(in.Outside) > 0 {
					return fmt.Errorf("%s is not under the bronze folder %s, where elt build looks for sources: move it there (or pass --bronze), then infer again; elt.yaml is unchanged",
						strings.Join(in.Outside, ", "), o.Bronze)
				}
				merged, err := yamledit.AddSources(text, in.Names, in.Block)
				if err != nil {
					return err
				}
				tmp := path + ".tmp"
				if err := os.WriteFile(tmp, []byte(merged), 0o644); err != nil {
					return err
				}
				if err := os.Rename(tmp, path); err != nil {
					return err
				}
				fmt.Fprint(c.App.Writer, in.Block)
				fmt.Fprintf(c.App.Writer, "wrote %d source%s into %s's sources:\n", len(in.Names), output.Plural(len(in.Names)), project.ConfigFile)
				return nil
			},
		}},
	}
}
