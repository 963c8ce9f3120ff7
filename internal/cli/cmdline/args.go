package cmdline

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// Interspersed puts a command line in the order urfave/cli reads it, so
// flags work wherever they are written: global flags after the command
// (elt build --var x=1) move in front of it, and a command's flags after
// its arguments (elt query "SELECT 1" --format csv) move in front of
// those. Everything after -- stays an argument, as does "-" (stdin) and a
// text with a space before any = (SQL starting with a -- comment). A flag
// neither the command nor the app defines stays where it is, for urfave/cli
// to refuse. args[0] is the program name; a line already in order comes
// back as it was.
func Interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	var global, path, flags, positional []string
	var cmd *cli.Command // the deepest command named so far
	subs := app.Commands // what the next word may name
	flagsOf := app.Flags // the flags of the deepest command (the app's first)
	ended := false       // a -- was given
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			ended = true
			positional = append(positional, args[i+1:]...)
			break
		}
		if name, hasValue, ok := flagName(a); ok {
			f, local := lookupFlag(flagsOf, name)
			if f == nil && cmd != nil {
				f, _ = lookupFlag(app.Flags, name)
			}
			if f == nil && (name == "help" || name == "h") {
				// Help for the command named so far, whatever else was given.
				return append(append(append([]string{args[0]}, global...), path...), a)
			}
			words := []string{a}
			if f != nil && !hasValue && takesValue(f) {
				if i+1 == len(args) {
					// Its value is missing: give it last, where urfave/cli
					// says so, rather than let it take another word.
					out := append([]string{args[0]}, global...)
					if local {
						out = append(append(out, path...), flags...)
					}
					return append(out, a)
				}
				i++
				words = append(words, args[i])
			}
			if f != nil && !local {
				global = append(global, words...)
			} else {
				flags = append(flags, words...)
			}
			continue
		}
		if len(positional) == 0 {
			if sub := findCommand(subs, a); sub != nil {
				// The flags given so far belong to the command before it.
				path = append(path, flags...)
				flags = nil
				path = append(path, a)
				cmd, subs, flagsOf = sub, sub.Subcommands, sub.Flags
				continue
			}
		}
		positional = append(positional, a)
	}
	out := append([]string{args[0]}, global...)
	out = append(out, path...)
	out = append(out, flags...)
	if ended || startsWithDash(positional) {
		out = append(out, "--")
	}
	return append(out, positional...)
}

// flagName reads a word as a flag: its name (without dashes and =value),
// whether the value is in the word, and whether it is a flag at all.
func flagName(a string) (name string, hasValue, ok bool) {
	if len(a) < 2 || a[0] != '-' {
		return "", false, false
	}
	name = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	name, _, hasValue = strings.Cut(name, "=")
	if name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "", false, false
	}
	return name, hasValue, true
}

// lookupFlag finds the flag of that name (or alias) among flags; local
// tells that it was found there.
func lookupFlag(flags []cli.Flag, name string) (cli.Flag, bool) {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f, true
			}
		}
	}
	return nil, false
}

// takesValue tells whether a flag reads the next word as its value.
func takesValue(f cli.Flag) bool {
	if d, ok := f.(cli.DocGenerationFlag); ok {
		return d.TakesValue()
	}
	return true
}

// findCommand is the command of that name or alias among cmds.
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// startsWithDash tells whether an argument would read as a flag.
func startsWithDash(args []string) bool {
	for _, a := range args {
		if len(a) > 1 && a[0] == '-' {
			return true
		}
	}
	return false
}
