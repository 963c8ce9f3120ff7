package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/author"
	"github.com/digitalservices/elt/internal/cli/cmdline"
)

func checksCommand() *cli.Command {
	return &cli.Command{
		Name:  "checks",
		Usage: "derive data checks from the data",
		Subcommands: []*cli.Command{{
			Name:      "suggest",
			Usage:     "profile a built model and suggest checks for its header, with the evidence",
			ArgsUsage: "MODEL",
			Description: "Example: elt checks suggest --holdout 0.2 gold.user_session_analysis\n" +
				"Suggests not_null, unique, accepted_values (text with at most 20 values, each in more than one row),\n" +
				"range (numbers, widened by half their span) and max_null_pct (observed share plus its 95% confidence margin).\n" +
				"Each needs 30 rows or more; unique also a key's name (id, *_id, *_key, a source's key) and type.\n" +
				"A model's unique_key is suggested whatever the rows; what the sample does not support is listed, with why.\n" +
				"--write merges them into the model's header, keeping its checks and comments.",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "write", Usage: "merge the suggestions into the model file's header"},
				&cli.Float64Flag{Name: "holdout", Usage: "share of rows (0 to 1) held out: suggestions failing on them are dropped and listed"},
			},
			Action: func(c *cli.Context) error {
				if err := oneModel(c, "checks suggest"); err != nil {
					return err
				}
				if h := c.Float64("holdout"); h < 0 || h >= 1 || h != h {
					return cmdline.Usage("--holdout is a share of rows from 0 up to (not including) 1, not %v", h)
				}
				return author.SuggestChecks(c.Context, c.String("project"), overrides(c), c.Args().First(),
					author.SuggestOptions{Holdout: c.Float64("holdout"), Write: c.Bool("write")}, c.App.Writer)
			},
		}},
	}
}
