package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/event"
)

// blockedError is an error that says a build was blocked by a check, as
// the build's own error does.
type blockedError struct{}

func (blockedError) Error() string { return "1 blocking check failed" }
func (blockedError) Blocked() bool { return true }

// TestNew: --log-format's three values (none is terminal), each writing
// where it should (lines to stdout, JSON to stderr); anything else is an
// error naming the values it takes.
func TestNew(t *testing.T) {
	for _, tc := range []struct {
		format         string
		stdout, stderr string
		json           bool
		err            string
	}{
		{"", "hello\n", "", false, ""},
		{Terminal, "hello\n", "", false, ""},
		{Plain, "hello\n", "", false, ""},
		{JSON, "", `"event":"info"`, true, ""},
		{"xml", "", "", false, `--log-format takes terminal, plain or json, not "xml"`},
	} {
		var out, errs bytes.Buffer
		r, err := New(tc.format, &out, &errs, time.Now())
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: error %v, want %q", tc.format, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.format, err)
		}
		r.Events().Report(event.Info{Kind: "k", Text: "hello"})
		if out.String() != tc.stdout || !strings.Contains(errs.String(), tc.stderr) || (tc.stderr == "") != (errs.Len() == 0) {
			t.Errorf("%q: stdout %q, stderr %q", tc.format, out.String(), errs.String())
		}
		if r.JSON() != tc.json {
			t.Errorf("%q: JSON() %v", tc.format, r.JSON())
		}
		if r.Live() != nil {
			t.Errorf("%q: a live line off a terminal", tc.format)
		}
		before := out.Len() + errs.Len()
		r.BuildEvents().Report(event.Info{Kind: "k", Text: "a build's own"})
		if wrote := out.Len()+errs.Len() > before; wrote != tc.json {
			t.Errorf("%q: a build of watch reported its own events: %v", tc.format, wrote)
		}
	}
}

// TestStartFinish: with JSON, a run's first event is run_started and its
// last run_finished, whose status follows the exit code (and a blocked
// build's error) and whose error is the message without "elt: "; Finish
// tells that it took the error. Lines say neither.
func TestStartFinish(t *testing.T) {
	for _, tc := range []struct {
		code      int
		cancelled bool
		err       error
		status    string
	}{
		{0, false, nil, event.Success},
		{1, false, errors.New("boom"), event.Failed},
		{1, false, fmt.Errorf("build: %w", blockedError{}), event.Blocked},
		{2, false, errors.New("usage"), event.Failed},
		{130, true, errors.New("interrupted"), event.Cancelled},
	} {
		var out, errs bytes.Buffer
		r, err := New(JSON, &out, &errs, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r.Start("build", "build --select x", "v1")
		msg := ""
		if tc.err != nil {
			msg = "elt: " + tc.err.Error() + "\n"
		}
		if !r.Finish(tc.code, tc.cancelled, tc.err, msg) {
			t.Errorf("code %d: Finish did not take the error", tc.code)
		}
		lines := strings.Split(strings.TrimSpace(errs.String()), "\n")
		var first, last map[string]any
		if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &first) != nil || json.Unmarshal([]byte(lines[1]), &last) != nil {
			t.Fatalf("code %d: stderr %q", tc.code, errs.String())
		}
		if first["event"] != "run_started" || first["command"] != "build" || first["args"] != "build --select x" || first["version"] != "v1" {
			t.Errorf("code %d: first event %v", tc.code, first)
		}
		wantErr := ""
		if tc.err != nil {
			wantErr = tc.err.Error()
		}
		if got, _ := last["error"].(string); last["event"] != "run_finished" || last["status"] != tc.status || last["exit_code"] != float64(tc.code) ||
			last["command"] != "build" || got != wantErr {
			t.Errorf("code %d: last event %v, want status %s", tc.code, last, tc.status)
		}
		if out.Len() != 0 {
			t.Errorf("code %d: JSON wrote to stdout: %q", tc.code, out.String())
		}
	}
	for _, format := range []string{Terminal, Plain} {
		var out, errs bytes.Buffer
		r, _ := New(format, &out, &errs, time.Now())
		r.Start("build", "build", "v1")
		if r.Finish(1, false, errors.New("boom"), "elt: boom\n") || out.Len()+errs.Len() != 0 {
			t.Errorf("%s: wrote %q %q, or took the error", format, out.String(), errs.String())
		}
	}
}

// TestUnread: the files elt does not read under models/ are one warning:
// a line on stderr for a person, a warning event with the files for a
// machine, and nothing when there are none.
func TestUnread(t *testing.T) {
	files := []string{"models/py/x.py", "models/snapshots/"}
	for _, tc := range []struct {
		format string
		files  []string
		want   string
	}{
		{Terminal, files, "elt: warning: elt reads only models/<schema>/<name>.sql and ignores 2 more under models/: models/py/x.py, models/snapshots/\n"},
		{Plain, files, "elt: warning: elt reads only models/<schema>/<name>.sql and ignores 2 more under models/: models/py/x.py, models/snapshots/\n"},
		{JSON, files, `"event":"warning",`},
		{Terminal, nil, ""},
		{JSON, nil, ""},
	} {
		var out, errs bytes.Buffer
		r, _ := New(tc.format, &out, &errs, time.Now())
		r.Unread(tc.files)
		got := errs.String()
		switch {
		case out.Len() != 0:
			t.Errorf("%s: stdout %q", tc.format, out.String())
		case tc.format == JSON && tc.want != "":
			var e map[string]any
			if json.Unmarshal([]byte(got), &e) != nil || !strings.Contains(got, tc.want) || e["kind"] != "unread" || len(e["files"].([]any)) != 2 {
				t.Errorf("%s: %q", tc.format, got)
			}
		case got != tc.want:
			t.Errorf("%s: stderr %q, want %q", tc.format, got, tc.want)
		}
	}
}
