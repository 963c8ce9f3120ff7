// Package cli is the elt command line: flags, commands, exit codes and what
// the terminal shows. Main takes its streams as arguments so tests run the
// whole CLI in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Exit codes.
const (
	ExitOK        = 0
	ExitFailure   = 1
	ExitUsage     = 2
	ExitCancelled = 130
)

// Main runs elt with args (args[0] is the program name) and returns the
// exit code. Ctrl-C cancels the context every command runs under.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, stdin, stdout, stderr)
}

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

// Run is Main under a given context.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	if len(args) > 1 {
		app.Metadata = map[string]any{"args": strings.Join(args[1:], " ")}
	}
	err := app.RunContext(ctx, args)
	var ue usageError
	if errors.As(err, &ue) && ue.help == "" {
		ue.help = "elt"
		err = ue
	}
	if err == nil {
		return ExitOK
	}
	switch {
	case errors.Is(err, build.ErrCancelled):
		fmt.Fprintln(stderr, "elt: interrupted: nothing was published; the warehouse is as it was before this build")
		return ExitCancelled
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "%s\n", render(err))
		return ExitCancelled
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "elt: %v\n", ue.error)
		fmt.Fprintf(stderr, "Run `%s --help` for usage.\n", ue.help)
		return ExitUsage
	}
	var ee cli.ExitCoder
	if errors.As(err, &ee) {
		if msg := ee.Error(); msg != "" {
			fmt.Fprintf(stderr, "elt: %s\n", msg)
		}
		return ee.ExitCode()
	}
	fmt.Fprintf(stderr, "%s\n", render(err))
	return ExitFailure
}

// render writes an error for a person: file errors as they are, others
// prefixed with elt:.
func render(err error) string {
	var es project.Errors
	if errors.As(err, &es) {
		parts := make([]string, len(es))
		for i, e := range es {
			parts[i] = render(e)
		}
		return strings.Join(parts, "\n") + fmt.Sprintf("\n%d error%s", len(es), plural(len(es)))
	}
	var fe *project.FileError
	if errors.As(err, &fe) {
		return fe.Error()
	}
	return "elt: " + err.Error()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	commands := []*cli.Command{
		buildCommand(), compileCommand(), lsCommand(), queryCommand(), testCommand(), ddlCommand(), migrateCommand(), generateCommand(),
	}
	withUsage(commands, "elt")
	return &cli.App{
		Name:      "elt",
		Usage:     "build SQL models over bronze files in an embedded DuckDB",
		Version:   build.Version,
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "project", Value: ".", EnvVars: []string{"ELT_PROJECT"}, Usage: "project folder (holding elt.yaml)"},
			&cli.StringFlag{Name: "bronze", EnvVars: []string{"ELT_BRONZE"}, Usage: "bronze folder (overrides elt.yaml)"},
			&cli.StringFlag{Name: "warehouse", EnvVars: []string{"ELT_WAREHOUSE"}, Usage: "warehouse DuckDB file (overrides elt.yaml)"},
			&cli.StringFlag{Name: "output", EnvVars: []string{"ELT_OUTPUT"}, Usage: "exports folder (overrides elt.yaml)"},
		},
		HideHelpCommand: true,
		OnUsageError: func(c *cli.Context, err error, isSub bool) error {
			return usageError{error: err, help: "elt"}
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{error: fmt.Errorf("no command %q%s", c.Args().First(), suggest(c.Args().First(), c.App.Commands)), help: "elt"}
			}
			return cli.ShowAppHelp(c)
		},
		ExitErrHandler: func(*cli.Context, error) {},
		Commands:       commands,
	}
}

// load reads the project the global flags point at.
func load(c *cli.Context) (*project.Project, error) {
	return project.Load(c.String("project"), project.Overrides{
		Bronze: c.String("bronze"), Warehouse: c.String("warehouse"), Output: c.String("output"),
	})
}

// openWarehouse opens the project's warehouse and, when writable, brings its
// own schema up to date.
func openWarehouse(c *cli.Context, p *project.Project, readOnly bool) (*warehouse.DB, error) {
	db, err := openUnmigrated(c, p, readOnly)
	if err != nil {
		return nil, err
	}
	if !readOnly {
		if err := state.Migrate(db.DB); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// openUnmigrated opens the project's warehouse with its DuckDB settings and
// leaves its own schema as it is (for elt migrate).
func openUnmigrated(c *cli.Context, p *project.Project, readOnly bool) (*warehouse.DB, error) {
	d := p.Config.DuckDB
	return warehouse.Open(c.Context, p.Resolve(p.Config.Paths.Warehouse), warehouse.Options{
		ReadOnly: readOnly, Threads: d.Threads, MemoryLimit: d.MemoryLimit, TempDirectory: p.Resolve(d.TempDirectory),
	})
}

// planner opens an in-memory DuckDB for parsing, so planning never touches
// (or waits for) the warehouse.
func planner(c *cli.Context) (*warehouse.DB, error) {
	return warehouse.Open(c.Context, "", warehouse.Options{Threads: 1})
}

// commandLine is the command line elt was run with, without the program
// name, as the run history keeps it.
func commandLine(c *cli.Context) string {
	s, _ := c.App.Metadata["args"].(string)
	return s
}
