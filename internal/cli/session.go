package cli

import (
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/cli/report"
)

// session is one run of elt: its streams, when it started, and how its
// commands report (--log-format, read with the global flags).
type session struct {
	stdout, stderr io.Writer
	start          time.Time
	run            *report.Run // set once the global flags are read
}

// begin reads --log-format (terminal when not given) and says the run
// started.
func (s *session) begin(c *cli.Context) error {
	r, err := report.New(c.String("log-format"), s.stdout, s.stderr, s.start)
	if err != nil {
		return cmdline.UsageError{Err: err, Help: "elt"}
	}
	s.run = r
	r.Start(c.Args().First(), commandLine(c), Version())
	return nil
}

// finish says how the run ended, as its exit code does; msg is the error
// as a person reads it. It tells whether the event took the error (JSON),
// so that it is not written again as text.
func (s *session) finish(code int, err error, msg string) bool {
	return s.run != nil && s.run.Finish(code, code == ExitCancelled, err, msg)
}

// reporting is how a command reports: its session's; a bare app (in tests)
// gets a run reporting on its streams as a terminal would.
func reporting(c *cli.Context) *report.Run {
	if s, ok := c.App.Metadata["session"].(*session); ok && s.run != nil {
		return s.run
	}
	r, _ := report.New(report.Terminal, c.App.Writer, c.App.ErrWriter, time.Now())
	return r
}
