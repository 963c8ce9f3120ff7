package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/author"
	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/cli/report"
	"github.com/digitalservices/elt/internal/output"
)

func queryCommand() *cli.Command {
	return &cli.Command{
		Name: "query",
		Description: "Example: elt query -f sql/conversion_by_country_device.sql; elt query --format csv \"SELECT * FROM gold.user_session_analysis LIMIT 5\"\n" +
			"Read-only: one SELECT (or DESCRIBE, SHOW, SUMMARIZE, EXPLAIN). On a terminal, 40 rows fitted to its width.",
		Usage:     "ask the warehouse a question (read-only)",
		ArgsUsage: "(SQL | -f FILE | -)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table, csv, json or markdown"},
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read the SQL from a file (e.g. sql/conversion_by_country.sql)"},
			&cli.IntFlag{Name: "limit", Usage: "rows to print (default: 40 on a terminal, all when piped); the rest are counted"},
			&cli.BoolFlag{Name: "all", Usage: "print every row, also on a terminal"},
		},
		Action: func(c *cli.Context) error {
			q, err := querySQL(c)
			if err != nil {
				return cmdline.UsageError{Err: err}
			}
			if !slices.Contains(output.Formats, c.String("format")) {
				return cmdline.Usage("--format must be one of %s", strings.Join(output.Formats, ", "))
			}
			p, err := load(c)
			if err != nil {
				return err
			}
			s, err := author.OpenQuery(c.Context, p)
			if err != nil {
				return err
			}
			defer s.Close()
			path := c.String("file")
			if path == "" {
				path = "query"
			}
			width, tty := report.ScreenWidth(c.App.Writer)
			screen := tty && c.String("format") == "table"
			limit := -1
			switch {
			case c.IsSet("limit") && c.Bool("all"):
				return cmdline.Usage("--limit and --all exclude each other")
			case c.IsSet("limit") && c.Int("limit") < 0:
				return cmdline.Usage("--limit must be 0 or more, not %d", c.Int("limit"))
			case c.IsSet("limit"):
				limit = c.Int("limit")
			case screen && !c.Bool("all"):
				limit = screenRows
			}
			res, err := author.Query(c.Context, s, path, q, limit)
			if err != nil {
				return err
			}
			if screen {
				return output.WriteScreen(c.App.Writer, res, width)
			}
			return output.Write(c.App.Writer, c.String("format"), res)
		},
	}
}

// screenRows is how many rows elt query shows on a terminal unless told.
const screenRows = 40

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
