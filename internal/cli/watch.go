package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/pipeline"
	"github.com/digitalservices/elt/internal/project"
)

func watchCommand() *cli.Command {
	return &cli.Command{
		Name: "watch",
		Description: "Example: elt watch --interval 5s\n" +
			"Builds whenever new bronze files are whole; Ctrl-C stops it.",
		Usage: "build incrementally whenever new bronze files are whole (Ctrl-C stops between builds)",
		Flags: []cli.Flag{intervalFlag()},
		Action: func(c *cli.Context) error {
			p, err := watching(c)
			if err != nil {
				return err
			}
			r := reporting(c)
			return pipeline.Watch(c.Context, p, c.Duration("interval"), r.Events(), r.BuildEvents(), commandLine(c), Version())
		},
	}
}

// intervalFlag is --interval of the commands that watch the bronze folder
// (watch, serve).
func intervalFlag() cli.Flag {
	return &cli.DurationFlag{Name: "interval", Value: pipeline.DefaultWatchInterval, Usage: "how often to look at the bronze folder"}
}

// watching checks the line of a command that watches the bronze folder (no
// arguments, a positive --interval) and loads its project.
func watching(c *cli.Context) (*project.Project, error) {
	if err := cmdline.NoArgs(c); err != nil {
		return nil, err
	}
	if c.Duration("interval") <= 0 {
		return nil, cmdline.Usage("--interval must be positive, found %s", c.Duration("interval"))
	}
	return load(c)
}
