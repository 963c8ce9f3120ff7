package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/state"
)

func ddlCommand() *cli.Command {
	return &cli.Command{
		Name:  "ddl",
		Usage: "write Redshift CREATE TABLE statements (with COMMENT ON) to design/<schema>.<name>.sql, generated from the built tables",
		Description: "Example: elt ddl --exclude 'silver.*'; elt ddl --copy s3://bucket/exports --iam-role arn:aws:iam::123:role/load gold.user_session_analysis\n" +
			"Every model is generated (Redshift's defaults without a redshift: section) unless excluded.",
		ArgsUsage: "[MODEL...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 1 when a file in design/ differs from what would be written"},
			&cli.BoolFlag{Name: "stdout", Usage: "print the DDL instead of writing files"},
			&cli.StringFlag{Name: "copy", Usage: "print COPY statements loading the Parquet exports from this S3 prefix (s3://bucket/prefix)"},
			&cli.StringFlag{Name: "iam-role", Usage: "the IAM role ARN for --copy"},
			&cli.StringSliceFlag{Name: "exclude", Usage: "models to leave out (same syntax as build); a header can say redshift: {exclude: true}"},
		},
		Action: func(c *cli.Context) error {
			if c.String("copy") != "" && c.String("iam-role") == "" {
				return usage("--copy needs --iam-role ARN")
			}
			if c.String("copy") != "" && !strings.HasPrefix(c.String("copy"), "s3://") {
				return usage("--copy takes an s3:// prefix, found %q", c.String("copy"))
			}
			p, g, err := compile.Load(c.Context, c.String("project"), overrides(c))
			if err != nil {
				return err
			}
			models, err := compile.DDLModels(g, c.Args().Slice(), c.StringSlice("exclude"))
			if err != nil {
				return usageError{error: err}
			}
			db, err := state.Open(c.Context, p, state.ReadOnly)
			if err != nil {
				return err
			}
			defer db.Close()
			w := c.App.Writer
			if prefix := c.String("copy"); prefix != "" {
				copies, err := compile.Copies(c.Context, db, models, prefix, c.String("iam-role"))
				for _, s := range copies {
					fmt.Fprintln(w, s)
				}
				return err
			}
			files, err := compile.DDL(c.Context, db, p, models)
			if err != nil {
				return err
			}
			switch {
			case c.Bool("stdout"):
				for _, f := range files {
					fmt.Fprint(w, f.Text)
				}
			case c.Bool("check"):
				var stale []string
				for _, f := range files {
					if have, err := os.ReadFile(f.Path); err != nil || !bytes.Equal(have, []byte(f.Text)) {
						stale = append(stale, f.Rel)
					}
				}
				if len(stale) > 0 {
					return cli.Exit(fmt.Sprintf("out of date: %s; run `elt ddl` and commit the result", strings.Join(stale, ", ")), ExitFailure)
				}
				fmt.Fprintf(w, "%d DDL file%s up to date\n", len(files), output.Plural(len(files)))
			default:
				for _, f := range files {
					if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
						return err
					}
					if err := os.WriteFile(f.Path, []byte(f.Text), 0o644); err != nil {
						return err
					}
					fmt.Fprintf(w, "wrote %s\n", f.Rel)
				}
			}
			return nil
		},
	}
}
