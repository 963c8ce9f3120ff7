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

// usageError marks a mistake in the command line itself.
type usageError struct{ error }

// Run is Main under a given context.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	err := app.RunContext(ctx, args)
	if err == nil {
		return ExitOK
	}
	var ue usageError
	switch {
	case errors.Is(err, build.ErrCancelled):
		fmt.Fprintln(stderr, "elt: interrupted: nothing was published; the warehouse is as it was before this build")
		return ExitCancelled
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "%s\n", render(err))
		return ExitCancelled
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "elt: %v\n", ue.error)
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
			return usageError{err}
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(c.App.ErrWriter, "elt: no command %q; run `elt --help`\n", name)
		},
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{
			buildCommand(), compileCommand(), lsCommand(), queryCommand(), testCommand(), ddlCommand(), migrateCommand(), generateCommand(),
		},
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
