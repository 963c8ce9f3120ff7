package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/inspect"
	"github.com/digitalservices/elt/internal/output"
)

func ddlCommand() *cli.Command {
	return &cli.Command{
		Name:  "ddl",
		Usage: "write Redshift CREATE TABLE statements (with COMMENT ON) to design/<schema>.<name>.sql, generated from the models' SQL (the types DuckDB binds it to, no build needed) and the project's declared sizes",
		Description: "Example: elt ddl --exclude 'silver.*'; elt ddl --copy s3://bucket/exports --iam-role arn:aws:iam::123:role/load gold.user_session_analysis\n" +
			"Every model is generated (Redshift's defaults without a redshift: section) unless excluded.\n" +
			"Column types are those DuckDB binds each model's SQL to, without data: no build is needed, and a changed model's DDL changes before it is rebuilt.\n" +
			"VARCHAR sizes are declared, never measured, so every warehouse gives the same DDL: a header's columns: [{name: c, length: N}],\n" +
			"else the max_length of the source field a column is copied from, else VARCHAR(256) (VARCHAR(65535) for text from JSON).\n" +
			"elt ddl --measure prints the sizes the warehouse's data suggests, as advice, and writes nothing.",
		ArgsUsage: "[MODEL...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 1 when a file in design/ differs from what would be written"},
			&cli.BoolFlag{Name: "stdout", Usage: "print the DDL instead of writing files"},
			&cli.BoolFlag{Name: "measure", Usage: "write nothing; print each text column's longest value in the warehouse and the size it suggests (advice, to declare yourself)"},
			&cli.StringFlag{Name: "copy", Usage: "print COPY statements loading the Parquet exports from this S3 prefix (s3://bucket/prefix); when it is the project's output (paths.output, --output), each loads from the manifest elt publishes there (COPY ... MANIFEST: one whole run)"},
			&cli.StringFlag{Name: "iam-role", Usage: "the IAM role ARN for --copy"},
			&cli.StringSliceFlag{Name: "exclude", Usage: "models to leave out (same syntax as build); a header can say redshift: {exclude: true}"},
		},
		Action: func(c *cli.Context) error {
			if c.String("copy") != "" && c.String("iam-role") == "" {
				return cmdline.Usage("--copy needs --iam-role ARN")
			}
			n := 0
			for _, f := range []string{"check", "stdout", "measure", "copy"} {
				if c.IsSet(f) {
					n++
				}
			}
			if n > 1 {
				return cmdline.Usage("--check, --stdout, --measure and --copy each do something else: give one of them")
			}
			res, err := inspect.DDL(c.Context, c.String("project"), overrides(c), c.Args().Slice(), c.StringSlice("exclude"),
				inspect.DDLOptions{Copy: c.String("copy"), IAMRole: c.String("iam-role"), Measure: c.Bool("measure")})
			w := c.App.Writer
			if c.String("copy") != "" && res != nil {
				for _, s := range res.Copies {
					fmt.Fprintln(w, s)
				}
			}
			if err != nil || c.String("copy") != "" {
				return selection(err)
			}
			if c.Bool("measure") {
				inspect.WriteSizeAdvice(w, res.Warehouse, res.Advice)
				return nil
			}
			files := res.Files
			switch {
			case c.Bool("stdout"):
				for _, f := range files {
					fmt.Fprint(w, f.Text)
				}
			case c.Bool("check"):
				if stale := inspect.StaleDDL(files); len(stale) > 0 {
					return cli.Exit(fmt.Sprintf("out of date: %s; run `elt ddl` and commit the result", strings.Join(stale, ", ")), ExitFailure)
				}
				fmt.Fprintf(w, "%d DDL file%s up to date\n", len(files), output.Plural(len(files)))
			default:
				return inspect.WriteDDL(files, w)
			}
			return nil
		},
	}
}
