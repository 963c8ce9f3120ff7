package cli

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/author"
	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/inspect"
)

func testCommand() *cli.Command {
	return &cli.Command{
		Name:  "test",
		Usage: "run the models' unit tests (tests/*.yaml, in memory) and their data checks and sql/tests/ against what is published",
		Description: "Example: elt test --select gold.user_session_analysis\n" +
			"Unit tests need no warehouse; data checks are skipped, with a note, until there is one.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "select", Aliases: []string{"s"}, Usage: "models to check (same syntax as build)"},
			&cli.StringSliceFlag{Name: "exclude", Usage: "models to leave out"},
			&cli.BoolFlag{Name: "unit", Usage: "run only the unit tests"},
			&cli.BoolFlag{Name: "data", Usage: "run only the data checks"},
		},
		Action: func(c *cli.Context) error {
			if err := cmdline.NoArgs(c); err != nil {
				return err
			}
			if c.Bool("unit") && c.Bool("data") {
				return cmdline.Usage("--unit and --data exclude each other; give neither to run both")
			}
			t, err := inspect.Test(c.Context, c.String("project"), overrides(c), inspect.TestOptions{
				Select: c.StringSlice("select"), Exclude: c.StringSlice("exclude"), Unit: c.Bool("unit"), Data: c.Bool("data")}, reporting(c).Events())
			if err != nil {
				return selection(err)
			}
			if f := t.Failure(); f != "" {
				return cli.Exit(f, ExitFailure)
			}
			return nil
		},
	}
}

func testsCommand() *cli.Command {
	return &cli.Command{
		Name:  "tests",
		Usage: "write model unit tests",
		Subcommands: []*cli.Command{{
			Name:      "scaffold",
			Usage:     "write tests/MODEL.yaml from a sample of the warehouse, for review",
			ArgsUsage: "MODEL",
			Description: "Example: elt tests scaffold --rows 3 gold.user_session_analysis\n" +
				"Takes rows of the built model and, of each input, only the rows sharing their key.",
			Flags: []cli.Flag{&cli.IntFlag{Name: "rows", Value: 5, Usage: "rows of the model to sample (1 to 1000)"}},
			Action: func(c *cli.Context) error {
				if err := oneModel(c, "tests scaffold"); err != nil {
					return err
				}
				if r := c.Int("rows"); r < 1 || r > 1000 {
					return cmdline.Usage("--rows must be between 1 and 1000, not %d", r)
				}
				return author.ScaffoldTest(c.Context, c.String("project"), overrides(c), c.Args().First(), c.Int("rows"), reporting(c).Events())
			},
		}},
	}
}

// oneModel checks that a command got exactly one argument, a model, with
// its flags before it (urfave/cli stops reading flags at the first
// argument).
func oneModel(c *cli.Context, command string) error {
	if c.NArg() > 1 && strings.HasPrefix(c.Args().Get(1), "-") {
		return cmdline.Usage("put flags before the model: elt %s %s %s", command, strings.Join(c.Args().Tail(), " "), c.Args().First())
	}
	if c.NArg() != 1 {
		return cmdline.Usage("name one model: elt %s schema.name", command)
	}
	return nil
}
