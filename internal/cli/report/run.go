package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/event"
)

// Run is how one run of elt reports: the reporter its --log-format chose,
// and what it says first (run_started) and last (run_finished, with JSON).
type Run struct {
	stdout, stderr io.Writer
	start          time.Time
	format         string
	command        string
	rep            event.Reporter
	term           *terminal // the terminal reporter, when it is the one
}

// New is a run begun at start that reports in format ("" is terminal):
// the terminal and plain reporters write lines to stdout, the JSON one
// writes events to stderr. A format it does not know is an error, said as
// --log-format's usage.
func New(format string, stdout, stderr io.Writer, start time.Time) (*Run, error) {
	r := &Run{stdout: stdout, stderr: stderr, start: start, format: format}
	switch format {
	case "", Terminal:
		r.format = Terminal
		r.term = newTerminal(stdout)
		r.rep = r.term
	case Plain:
		r.rep = &plainReporter{w: stdout}
	case JSON:
		r.rep = &jsonReporter{w: stderr, now: time.Now}
	default:
		return nil, fmt.Errorf("--log-format takes terminal, plain or json, not %q", format)
	}
	return r, nil
}

// Start says the run started: the command, the command line without the
// program name, and elt's version.
func (r *Run) Start(command, args, version string) {
	r.command = command
	r.rep.Report(event.RunStarted{Command: command, Args: args, Version: version})
}

// JSON tells whether events go to stderr as JSON.
func (r *Run) JSON() bool { return r != nil && r.format == JSON }

// Events is where a command reports what it does.
func (r *Run) Events() event.Reporter { return r.rep }

// BuildEvents is where each build of elt watch reports: its events are for
// machines (JSON); a person reads watch's own line per build.
func (r *Run) BuildEvents() event.Reporter {
	if r.JSON() {
		return r.rep
	}
	return event.Discard
}

// Live shows a build's running step on a terminal (see
// pipeline.Progress.Live); nil when the run does not report to one.
func (r *Run) Live() func(step string, percent func() float64) (rows func(int64), done func()) {
	if r.term == nil || !r.term.tty {
		return nil
	}
	return r.term.live
}

// Unread names, in one warning, the files and folders under models/ that
// elt does not read (a .py model, snapshots/, a nested folder), so none is
// taken for part of the build: an event with JSON, else a line on stderr.
func (r *Run) Unread(files []string) {
	n := len(files)
	switch {
	case n == 0:
	case r.JSON():
		r.rep.Report(event.Warning{Kind: "unread", Files: files,
			Text: fmt.Sprintf("elt reads only models/<schema>/<name>.sql and ignores %d more under models/", n)})
	default:
		fmt.Fprintf(r.stderr, "elt: warning: elt reads only models/<schema>/<name>.sql and ignores %d more under models/: %s\n",
			n, strings.Join(files, ", "))
	}
}

// Finish says how the run ended, as its exit code does (0 is success;
// cancelled tells that the code is the one for Ctrl-C); msg is the error
// as a person reads it. It tells whether the event took the error (JSON),
// so that it is not written again as text.
func (r *Run) Finish(code int, cancelled bool, err error, msg string) bool {
	if !r.JSON() {
		return false
	}
	status := event.Failed
	var blocked interface{ Blocked() bool }
	switch {
	case code == 0:
		status = event.Success
	case cancelled:
		status = event.Cancelled
	case errors.As(err, &blocked) && blocked.Blocked():
		status = event.Blocked
	}
	r.rep.Report(event.RunFinished{Command: r.command, Status: status, ExitCode: code,
		Error: strings.TrimPrefix(strings.TrimSpace(msg), "elt: "), Seconds: time.Since(r.start).Seconds()})
	return true
}
