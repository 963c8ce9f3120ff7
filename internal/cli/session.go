package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/event"
)

// session is one run of elt: how its commands report (--log-format) and
// what it says last.
type session struct {
	stdout, stderr io.Writer
	start          time.Time
	format         string
	command        string
	rep            event.Reporter // set once the global flags are read
	term           *terminal      // the terminal reporter, when it is the one
}

// begin reads --log-format (terminal when not given) and says the run
// started.
func (s *session) begin(c *cli.Context) error {
	switch s.format = c.String("log-format"); s.format {
	case "", logTerminal:
		s.format = logTerminal
		s.term = newTerminal(s.stdout)
		s.rep = s.term
	case logPlain:
		s.rep = &plainReporter{w: s.stdout}
	case logJSON:
		s.rep = &jsonReporter{w: s.stderr, now: time.Now}
	default:
		return usageError{error: fmt.Errorf("--log-format takes terminal, plain or json, not %q", s.format), help: "elt"}
	}
	s.command = c.Args().First()
	s.rep.Report(event.RunStarted{Command: s.command, Args: commandLine(c), Version: Version()})
	return nil
}

// json tells whether events go to stderr as JSON.
func (s *session) json() bool { return s != nil && s.format == logJSON }

// finish says how the run ended, as its exit code does; msg is the error
// as a person reads it. It tells whether the event took the error (JSON),
// so that it is not written again as text.
func (s *session) finish(code int, err error, msg string) bool {
	if !s.json() {
		return false
	}
	status := event.Failed
	var blocked interface{ Blocked() bool }
	switch {
	case code == ExitOK:
		status = event.Success
	case code == ExitCancelled:
		status = event.Cancelled
	case errors.As(err, &blocked) && blocked.Blocked():
		status = event.Blocked
	}
	s.rep.Report(event.RunFinished{Command: s.command, Status: status, ExitCode: code,
		Error: strings.TrimPrefix(strings.TrimSpace(msg), "elt: "), Seconds: time.Since(s.start).Seconds()})
	return true
}

// sessionOf is the session a command runs in; a bare app (in tests) gets
// one reporting on its streams as a terminal would.
func sessionOf(c *cli.Context) *session {
	if s, ok := c.App.Metadata["session"].(*session); ok && s.rep != nil {
		return s
	}
	t := newTerminal(c.App.Writer)
	return &session{stdout: c.App.Writer, stderr: c.App.ErrWriter, format: logTerminal, rep: t, term: t, start: time.Now()}
}

// events is where a command reports what it does.
func events(c *cli.Context) event.Reporter { return sessionOf(c).rep }
