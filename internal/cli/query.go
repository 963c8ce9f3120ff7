package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/execute"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/state"
)

func queryCommand() *cli.Command {
	return &cli.Command{
		Name:      "query",
		Usage:     "ask the warehouse a question (read-only)",
		ArgsUsage: "(SQL | -f FILE | -)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table, csv, json or markdown"},
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read the SQL from a file (e.g. sql/conversion_by_country.sql)"},
		},
		Action: func(c *cli.Context) error {
			q, err := querySQL(c)
			if err != nil {
				return usageError{error: err}
			}
			if !slices.Contains(output.Formats, c.String("format")) {
				return usage("--format must be one of %s", strings.Join(output.Formats, ", "))
			}
			p, err := load(c)
			if err != nil {
				return err
			}
			db, err := state.Open(c.Context, p, state.ReadOnly)
			if err != nil {
				return err
			}
			defer db.Close()
			path := c.String("file")
			if path == "" {
				path = "query"
			}
			res, err := execute.Query(c.Context, db, path, q)
			if err != nil {
				return err
			}
			return output.Write(c.App.Writer, c.String("format"), res)
		},
	}
}

func querySQL(c *cli.Context) (string, error) {
	if f := c.String("file"); f != "" {
		if c.NArg() > 0 {
			return "", fmt.Errorf("give the SQL as an argument or with -f, not both")
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", f, err)
		}
		return string(b), nil
	}
	switch {
	case c.NArg() == 0:
		return "", fmt.Errorf("query needs SQL: elt query 'SELECT ...', elt query -f FILE, or elt query - (stdin)")
	case c.NArg() > 1:
		return "", fmt.Errorf("quote the SQL as one argument: elt query \"SELECT ...\"")
	case c.Args().First() == "-":
		b, err := io.ReadAll(c.App.Reader)
		return string(b), err
	}
	return c.Args().First(), nil
}
