package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/execute"
	"github.com/digitalservices/elt/internal/state"
)

func watchCommand() *cli.Command {
	return &cli.Command{
		Name: "watch",
		Description: "Example: elt watch --interval 5s\n" +
			"Builds whenever new bronze files are whole; Ctrl-C stops it.",
		Usage: "build incrementally whenever new bronze files are whole (Ctrl-C stops between builds)",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "interval", Value: execute.DefaultWatchInterval, Usage: "how often to look at the bronze folder"},
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
			// The warehouse is opened for each build only, so elt query and
			// elt test can read it between builds.
			build := func(ctx context.Context, hold map[string]bool) (*execute.Summary, error) {
				db, err := state.Open(ctx, p, state.Write)
				if err != nil {
					return nil, err
				}
				defer db.Close()
				b := &execute.Builder{Project: p, DB: db, Events: builds}
				return b.Run(ctx, execute.Options{Args: commandLine(c), Version: Version(), Hold: hold})
			}
			return execute.Watch(c.Context, p.Resolve(p.Config.Paths.Bronze), c.Duration("interval"), s.rep, build)
		},
	}
}
