package cli

import (
	"context"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/watch"
)

func watchCommand() *cli.Command {
	return &cli.Command{
		Name: "watch",
		Description: "Example: elt watch --interval 5s\n" +
			"Builds whenever new bronze files are whole; Ctrl-C stops it.",
		Usage: "build incrementally whenever new bronze files are whole (Ctrl-C stops between builds)",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "interval", Value: watch.DefaultWatchInterval, Usage: "how often to look at the bronze folder"},
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
			// The warehouse is opened for each build only, so elt query and
			// elt test can read it between builds.
			run := func(ctx context.Context, hold map[string]bool) (*build.Summary, error) {
				db, err := state.Open(ctx, p, state.Write)
				if err != nil {
					return nil, err
				}
				defer db.Close()
				b := &build.Builder{Project: p, DB: db, Out: io.Discard}
				return b.Run(ctx, build.Options{Args: commandLine(c), Version: Version(), Hold: hold})
			}
			return watch.Watch(c.Context, p.Resolve(p.Config.Paths.Bronze), c.Duration("interval"), c.App.Writer, run)
		},
	}
}
