// Package cmdline is the grammar of elt's command line, whatever the
// command: flags wherever they are written (Interspersed), a mistake in the
// command line said once as a UsageError naming the help that explains it
// (exit 2), and the closest command to a mistyped one.
package cmdline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// UsageError marks a mistake in the command line itself; Help is the
// command whose --help explains it (filled in by WithUsage, or by the
// caller, when empty).
type UsageError struct {
	Err  error
	Help string
}

func (e UsageError) Error() string { return e.Err.Error() }

// Unwrap gives the mistake itself.
func (e UsageError) Unwrap() error { return e.Err }

// Usage makes a UsageError from a message.
func Usage(format string, args ...any) error {
	return UsageError{Err: fmt.Errorf(format, args...)}
}

// WithUsage turns every usage mistake into a UsageError naming the command
// whose help explains it: flag errors, unknown (sub)commands, stray
// arguments. urfave/cli would print the error and the whole help, then exit
// 0 or 1; elt says it once and exits 2.
func WithUsage(cmds []*cli.Command, parent string) {
	for _, c := range cmds {
		path := strings.TrimSpace(parent + " " + c.Name)
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
			return UsageError{Err: err, Help: path}
		}
		action := c.Action
		c.Action = func(ctx *cli.Context) error {
			err := usageFor(path, ctx, action)
			var ue UsageError
			if errors.As(err, &ue) && ue.Help == "" {
				ue.Help = path
				return ue
			}
			return err
		}
		WithUsage(c.Subcommands, path)
	}
}

// usageFor runs a command's action; a command with subcommands and no
// action of its own refuses what is not one of them.
func usageFor(path string, c *cli.Context, action cli.ActionFunc) error {
	if action != nil {
		return action(c)
	}
	if c.NArg() > 0 {
		return Usage("%s has no subcommand %q%s", path, c.Args().First(), Suggest(c.Args().First(), c.Command.Subcommands))
	}
	var names []string
	for _, s := range c.Command.Subcommands {
		if s.Name != "help" {
			names = append(names, s.Name)
		}
	}
	return Usage("%s needs a subcommand: %s", path, strings.Join(names, ", "))
}

// NoArgs refuses positional arguments for a command that takes none.
func NoArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return Usage("%s takes no arguments, found %q", c.Command.FullName(), c.Args().First())
	}
	return nil
}

// Suggest names the closest command to a mistyped one.
func Suggest(name string, cmds []*cli.Command) string {
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
