package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/author"
	"github.com/digitalservices/elt/internal/cli/cmdline"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a new project that builds at once: a source with sample files, silver and gold models, a seed, a macro, checks, a unit test, a saved query",
		ArgsUsage: "[DIR]",
		Description: "Example: elt init shop\n" +
			"Then: cd shop && elt build && elt query -f sql/revenue_by_day.sql\n" +
			"DIR (default: the current folder) must not hold an elt.yaml; no file is ever overwritten.",
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return cmdline.Usage("init takes one folder, found %d arguments", c.NArg())
			}
			dir := c.Args().First()
			if dir == "" {
				dir = "."
			}
			written, err := author.Init(dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "wrote %d files into %s:\n  %s\n", len(written), dir, strings.Join(written, "\n  "))
			cd := ""
			if dir != "." {
				cd = "cd " + dir + " && "
			}
			fmt.Fprintf(c.App.Writer, "next: %selt build && elt query -f sql/revenue_by_day.sql\n", cd)
			return nil
		},
	}
}
