package cli

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/inspect"
	"github.com/digitalservices/elt/internal/project"
)

func compileCommand() *cli.Command {
	return &cli.Command{
		Name: "compile",
		Description: "Example: elt compile silver.users\n" +
			"Prints the statements a build runs for each model: whole, and for an incremental model brought up to date.",
		Usage:     "print exactly the SQL that build would run",
		ArgsUsage: "[MODEL...]",
		Action: func(c *cli.Context) error {
			return selection(inspect.Compile(c.Context, c.String("project"), overrides(c), c.Args().Slice(), loaded(c), c.App.Writer))
		},
	}
}

// loaded warns, once the project is loaded, of the files under models/
// that elt does not read.
func loaded(c *cli.Context) func(*project.Project) {
	return func(p *project.Project) { reporting(c).Unread(p.Unread) }
}

// selection makes a selection that cannot be made a usage error.
func selection(err error) error {
	var ue *inspect.UsageError
	if errors.As(err, &ue) {
		return cmdline.UsageError{Err: ue.Err}
	}
	return err
}

func lsCommand() *cli.Command {
	return &cli.Command{
		Name:        "ls",
		Description: "Example: elt ls",
		Usage:       "list the sources and the models in build order, with what each model reads",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text, or json: the graph (sources, models, seeds, what each depends on, " +
				"materialization, tags, checks; schema elt.graph/1) for a scheduler"},
		},
		Action: func(c *cli.Context) error {
			if err := cmdline.NoArgs(c); err != nil {
				return err
			}
			format := c.String("format")
			if format != "text" && format != "json" {
				return cmdline.Usage("--format takes text or json, not %q", format)
			}
			return inspect.List(c.Context, c.String("project"), overrides(c), loaded(c), format == "json", c.App.Writer)
		},
	}
}
