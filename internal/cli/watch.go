package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/event"
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
			if err := noArgs(c); err != nil {
				return err
			}
			if c.Duration("interval") <= 0 {
				return usage("--interval must be positive, found %s", c.Duration("interval"))
			}
			p, err := load(c)
			if err != nil {
				return err
			}
			// Each build's own events are for machines: a person reads
			// watch's line per build.
			s := sessionOf(c)
			builds := event.Discard
			if s.json() {
				builds = s.rep
			}
			return pipeline.Watch(c.Context, p, c.Duration("interval"), s.rep, builds, commandLine(c), Version())
		},
	}
}
