package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// usageError marks a mistake in the command line itself; help is the
// command whose --help explains it (filled in by Run when empty).
type usageError struct {
	error
	help string
}

// usage makes a usageError from a message.
func usage(format string, args ...any) error {
	return usageError{error: fmt.Errorf(format, args...)}
}

// withUsage turns every usage mistake into a usageError naming the command
// whose help explains it: flag errors, unknown (sub)commands, stray
// arguments. urfave/cli would print the error and the whole help, then exit
// 0 or 1; elt says it once and exits 2.
func withUsage(cmds []*cli.Command, parent string) {
	for _, c := range cmds {
		path := strings.TrimSpace(parent + " " + c.Name)
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
			return usageError{error: err, help: path}
		}
		action := c.Action
		c.Action = func(ctx *cli.Context) error {
			err := usageFor(path, ctx, action)
			var ue usageError
			if errors.As(err, &ue) && ue.help == "" {
				ue.help = path
				return ue
			}
			return err
		}
		withUsage(c.Subcommands, path)
	}
}

// usageFor runs a command's action; a command with subcommands and no
// action of its own refuses what is not one of them.
func usageFor(path string, c *cli.Context, action cli.ActionFunc) error {
	if action != nil {
		return action(c)
	}
	if c.NArg() > 0 {
		return usage("%s has no subcommand %q%s", path, c.Args().First(), suggest(c.Args().First(), c.Command.Subcommands))
	}
	var names []string
	for _, s := range c.Command.Subcommands {
		if s.Name != "help" {
			names = append(names, s.Name)
		}
	}
	return usage("%s needs a subcommand: %s", path, strings.Join(names, ", "))
}

// noArgs refuses positional arguments for a command that takes none.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usage("%s takes no arguments, found %q", c.Command.FullName(), c.Args().First())
	}
	return nil
}

// suggest names the closest command to a mistyped one.
func suggest(name string, cmds []*cli.Command) string {
	best, bestD := "", 3
	for _, c := range cmds {
		if d := distance(name, c.Name); d < bestD {
			best, bestD = c.Name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
