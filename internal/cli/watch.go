package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/pipeline"
)

func watchCommand() *cli.Command {
	return &cli.Command{
		Name: "watch",
		Description: "Example: elt watch --interval 5s\n" +
			"Builds whenever new bronze files are whole; Ctrl-C stops it.",
		Usage: "build incrementally whenever new bronze files are whole (Ctrl-C stops between builds)",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "interval", Value: pipeline.DefaultWatchInterval, Usage: "how often to look at the bronze folder"},
		},
		Action: func(c *cli.Context) error {
			if err := cmdline.NoArgs(c); err != nil {
				return err
			}
			if c.Duration("interval") <= 0 {
				return cmdline.Usage("--interval must be positive, found %s", c.Duration("interval"))
			}
			p, err := load(c)
			if err != nil {
				return err
			}
			r := reporting(c)
			return pipeline.Watch(c.Context, p, c.Duration("interval"), r.Events(), r.BuildEvents(), commandLine(c), Version())
		},
	}
}
