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
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/pipeline"
	"github.com/digitalservices/elt/internal/project"
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
	// DuckDB holds the data, within memory_limit; Go only passes files
	// through, so its garbage is collected early rather than let grow. Early,
	// not without pause: ingestion holds about 270 MB live (a 64 MB batch
	// being loaded, a batch read ahead, their records and frames), and
	// under a soft limit of 256 MB Go collected 1,649 times in a build of
	// 10M events (ingestion 22.4 s), under 384 MB 69 times (17.8 s);
	// how much Go holds depends on those batches, not on memory_limit.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(384 << 20)
	}
	// One Go processor more than the machine's: DuckDB's threads call back
	// into Go for every batch they load (elt_frame, elt_reject) and wait
	// for a free processor while Go reads the next files on the others (10M
	// events on 2 cores: ingestion 16.9-17.5 s against 18.1-18.6 s, three
	// alternated pairs; design/performance.md).
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, stdin, stdout, stderr)
}

// Run is Main under a given context.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stderr = output.Redacting(stderr)
	app := newApp(stdin, stdout, stderr)
	s := &session{stdout: stdout, stderr: stderr, start: time.Now()}
	app.Metadata = map[string]any{"session": s}
	if len(args) > 1 {
		app.Metadata["args"] = strings.Join(args[1:], " ")
	}
	err := app.RunContext(ctx, cmdline.Interspersed(app, args))
	var msg strings.Builder
	code := exit(ctx, err, &msg)
	if !s.finish(code, err, msg.String()) {
		io.WriteString(stderr, msg.String())
	}
	return code
}

// exit is the exit code for how a command ended, and writes its error to
// stderr as a person reads it.
func exit(ctx context.Context, err error, stderr io.Writer) int {
	var ue cmdline.UsageError
	var pu *project.UsageError
	if errors.As(err, &ue) && ue.Help == "" {
		ue.Help = "elt"
		err = ue
	}
	if err == nil {
		return ExitOK
	}
	switch {
	case errors.Is(err, pipeline.ErrCancelled):
		fmt.Fprintln(stderr, "elt: interrupted: nothing was published; the warehouse is as it was before this build")
		return ExitCancelled
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "%s\n", output.Error(err))
		return ExitCancelled
	case errors.As(err, &pu):
		fmt.Fprintf(stderr, "elt: %v\n", pu.Msg)
		fmt.Fprintln(stderr, "Run `elt --help` for usage.")
		return ExitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "elt: %v\n", ue.Err)
		fmt.Fprintf(stderr, "Run `%s --help` for usage.\n", ue.Help)
		return ExitUsage
	}
	var ee cli.ExitCoder
	if errors.As(err, &ee) {
		if msg := ee.Error(); msg != "" {
			fmt.Fprintf(stderr, "elt: %s\n", msg)
		}
		return ee.ExitCode()
	}
	fmt.Fprintf(stderr, "%s\n", output.Error(err))
	return ExitFailure
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	commands := []*cli.Command{
		buildCommand(), compileCommand(), lsCommand(), queryCommand(), testCommand(), ddlCommand(), migrateCommand(), generateCommand(), sourceCommand(), watchCommand(), serveCommand(), docsCommand(), testsCommand(), checksCommand(), showCommand(), initCommand(),
	}
	cmdline.WithUsage(commands, "elt")
	return &cli.App{
		Name:  "elt",
		Usage: "build SQL models over bronze files in an embedded DuckDB",
		Description: "Example: elt init shop && cd shop && elt build && elt query -f sql/revenue_by_day.sql\n" +
			"Each command's --help has an example; the README has a five-minute walkthrough.\n" +
			"Options may come before or after the command and its arguments (elt build --var x=1); -- ends them.",
		Version:   Version(),
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "project", Value: ".", EnvVars: []string{"ELT_PROJECT"}, Usage: "project folder (holding elt.yaml)"},
			&cli.StringFlag{Name: "bronze", EnvVars: []string{"ELT_BRONZE"}, Usage: "bronze folder (overrides elt.yaml)"},
			&cli.StringFlag{Name: "warehouse", EnvVars: []string{"ELT_WAREHOUSE"}, Usage: "warehouse DuckDB file (overrides elt.yaml)"},
			&cli.StringFlag{Name: "output", EnvVars: []string{"ELT_OUTPUT"}, Usage: "exports folder (overrides elt.yaml)"},
			&cli.StringFlag{Name: "redis-url", EnvVars: []string{"ELT_REDIS_URL"}, Usage: "the feature store for models with online: (overrides elt.yaml)"},
			&cli.StringFlag{Name: "target", EnvVars: []string{"ELT_TARGET"}, Usage: "an entry of elt.yaml's targets: (dev, prod ...) laid over the rest"},
			&cli.GenericFlag{Name: "var", Value: &project.VarSettings{}, Usage: "set a project variable, name=value (value read as YAML), over elt.yaml's vars:; repeat for more (a comma is part of the value)"},
			&cli.BoolFlag{Name: "trace", EnvVars: []string{"ELT_TRACE"}, Usage: "print how long each build step takes, to stderr"},
			&cli.StringFlag{Name: "log-format", EnvVars: []string{"ELT_LOG_FORMAT"}, Usage: "how commands report: terminal (a live step and colour on a terminal, " +
				"plain lines elsewhere), plain (lines, for CI logs) or json (one JSON object per event on stderr, schema elt.event/1, for a scheduler)"},
		},
		Before: func(c *cli.Context) error {
			if s, ok := c.App.Metadata["session"].(*session); ok {
				if err := s.begin(c); err != nil {
					return err
				}
			}
			_, err := project.ParseVars(varSettings(c))
			return err
		},
		HideHelpCommand: true,
		OnUsageError: func(c *cli.Context, err error, isSub bool) error {
			return cmdline.UsageError{Err: err, Help: "elt"}
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdline.UsageError{Err: fmt.Errorf("no command %q%s", c.Args().First(), cmdline.Suggest(c.Args().First(), c.App.Commands)), Help: "elt"}
			}
			return cli.ShowAppHelp(c)
		},
		ExitErrHandler: func(*cli.Context, error) {},
		Commands:       commands,
	}
}

// load reads the project the global flags point at.
func load(c *cli.Context) (*project.Project, error) {
	return project.Load(c.String("project"), overrides(c))
}

// overrides are the global flags that override elt.yaml's paths.
func overrides(c *cli.Context) project.Overrides {
	vars, _ := project.ParseVars(varSettings(c)) // checked in Before
	return project.Overrides{Bronze: c.String("bronze"), Warehouse: c.String("warehouse"), Output: c.String("output"), RedisURL: c.String("redis-url"),
		Target: c.String("target"), Vars: vars, Threads: c.Int("threads")}
}

// varSettings are the --var settings given, in order.
func varSettings(c *cli.Context) []string {
	if v, ok := c.Generic("var").(*project.VarSettings); ok {
		return *v
	}
	return nil
}

// commandLine is the command line elt was run with, without the program
// name, as the run history keeps it.
func commandLine(c *cli.Context) string {
	s, _ := c.App.Metadata["args"].(string)
	return s
}

// version is set at build time (make build stamps it with -ldflags "-X
// .../internal/cli.version=…"); otherwise Version reads the module version
// or VCS revision Go recorded in the binary.
var version = ""

// Version is elt's version, as --version prints it and the run history keeps.
func Version() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + rev
}
