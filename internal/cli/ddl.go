package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/export"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/redshift"
)

func ddlCommand() *cli.Command {
	return &cli.Command{
		Name:      "ddl",
		Usage:     "write Redshift CREATE TABLE statements to design/, generated from the built tables",
		ArgsUsage: "[MODEL...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 1 when a file in design/ differs from what would be written"},
			&cli.BoolFlag{Name: "stdout", Usage: "print the DDL instead of writing files"},
			&cli.StringFlag{Name: "copy", Usage: "print COPY statements loading the Parquet exports from this S3 prefix (s3://bucket/prefix)"},
			&cli.StringFlag{Name: "iam-role", Usage: "the IAM role ARN for --copy"},
		},
		Action: func(c *cli.Context) error {
			if c.String("copy") != "" && c.String("iam-role") == "" {
				return usage("--copy needs --iam-role ARN")
			}
			if c.String("copy") != "" && !strings.HasPrefix(c.String("copy"), "s3://") {
				return usage("--copy takes an s3:// prefix, found %q", c.String("copy"))
			}
			p, g, err := graph(c)
			if err != nil {
				return err
			}
			models, err := ddlModels(g, c.Args().Slice())
			if err != nil {
				return usageError{error: err}
			}
			db, err := openWarehouse(c, p, true)
			if err != nil {
				return err
			}
			defer db.Close()
			w := c.App.Writer
			var stale []string
			for _, m := range models {
				t, err := export.Describe(c.Context, db, m)
				if err != nil {
					return err
				}
				if c.String("copy") != "" {
					fmt.Fprintln(w, redshift.Copy(t, c.String("copy"), c.String("iam-role")))
					continue
				}
				ddl, err := redshift.DDL(t)
				if err != nil {
					return &project.FileError{Path: m.Path, Msg: err.Error(), Hint: "set the redshift: section and column lengths in the model's header"}
				}
				path := filepath.Join(p.Resolve(p.Config.Paths.Design), strings.ToLower(m.Name)+".sql")
				rel, _ := filepath.Rel(p.Dir, path)
				switch {
				case c.Bool("stdout"):
					fmt.Fprint(w, ddl)
				case c.Bool("check"):
					have, err := os.ReadFile(path)
					if err != nil || !bytes.Equal(have, []byte(ddl)) {
						stale = append(stale, rel)
					}
				default:
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						return err
					}
					if err := os.WriteFile(path, []byte(ddl), 0o644); err != nil {
						return err
					}
					fmt.Fprintf(w, "wrote %s\n", rel)
				}
			}
			if len(stale) > 0 {
				return cli.Exit(fmt.Sprintf("out of date: %s; run `elt ddl` and commit the result", strings.Join(stale, ", ")), ExitFailure)
			}
			if c.Bool("check") {
				fmt.Fprintf(w, "%d DDL file%s up to date\n", len(models), plural(len(models)))
			}
			return nil
		},
	}
}

// ddlModels are the named models, or every model with a redshift: or
// export: section.
func ddlModels(g *plan.Graph, names []string) ([]*project.Model, error) {
	var out []*project.Model
	if len(names) > 0 {
		ids, err := g.Select(names, nil)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			out = append(out, g.Nodes[id].Model)
		}
		return out, nil
	}
	for _, id := range g.Order {
		m := g.Nodes[id].Model
		if m.Header.Redshift != nil || m.Header.Export != nil {
			out = append(out, m)
		}
	}
	return out, nil
}
