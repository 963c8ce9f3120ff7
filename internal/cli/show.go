package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/author"
	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/output"
)

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "preview a model: run its SQL as it is now against the warehouse, write nothing, print the first rows",
		ArgsUsage: "MODEL",
		Description: "Example: elt show --limit 5 gold.user_session_analysis\n" +
			"Edit a model, then show it before building; it reads the tables the last build published.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "limit", Value: 10, Usage: "rows to print (1 to 10000)"},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table, csv, json or markdown"},
		},
		Action: func(c *cli.Context) error {
			if err := oneModel(c, "show"); err != nil {
				return err
			}
			if l := c.Int("limit"); l < 1 || l > 10000 {
				return cmdline.Usage("--limit must be from 1 to 10000, not %d", l)
			}
			if !slices.Contains(output.Formats, c.String("format")) {
				return cmdline.Usage("--format must be one of %s", strings.Join(output.Formats, ", "))
			}
			res, err := author.Show(c.Context, c.String("project"), overrides(c), c.Args().First(), c.Int("limit"))
			if err != nil {
				return err
			}
			if err := output.Write(c.App.Writer, c.String("format"), res); err != nil {
				return err
			}
			if c.String("format") == "table" {
				fmt.Fprintf(c.App.ErrWriter, "first %d row%s of %s as its SQL stands now (not built)\n", len(res.Rows), output.Plural(len(res.Rows)), c.Args().First())
			}
			return nil
		},
	}
}
