// Package report is how elt's commands reach whoever runs them: it turns
// the engine's events (internal/event) into what the chosen --log-format
// shows. It owns the three reporters: the terminal one (a live line for the
// running step, and colour, on a terminal), plain lines (CI logs and the
// goldens), and JSON (one object per event on stderr, schema elt.event/1,
// for a scheduler); choosing one; and a run's first and last events
// (run_started, run_finished with the exit code's status). The cli package
// owns it; nothing in the engine imports it.
package report

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/output"
)

// Log formats, as --log-format takes them.
const (
	Terminal = "terminal" // lines, coloured with a live step on a terminal
	Plain    = "plain"    // lines, for CI logs
	JSON     = "json"     // one JSON object per event on stderr
)

// style is what a word of a line says, for colour.
type style int

const (
	styleOK style = iota
	styleWarn
	styleFail
)

// paint colours text in a style; plain lines leave it as it is.
type paint func(s style, text string) string

func noPaint(_ style, text string) string { return text }

// ansi colours a word on a colour terminal.
func ansi(s style, text string) string {
	code := map[style]string{styleOK: "32", styleWarn: "33", styleFail: "31"}[s]
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// plainReporter writes the lines of each event to w: what a CI log shows.
type plainReporter struct {
	mu sync.Mutex
	w  io.Writer
}

// Report writes e's lines.
func (r *plainReporter) Report(e event.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	io.WriteString(r.w, lines(e, noPaint))
}

// jsonReporter writes each event to w as one line of JSON (schema
// elt.event/1).
type jsonReporter struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// Report writes e as a line of JSON.
func (r *jsonReporter) Report(e event.Event) {
	b, err := event.Encode(r.now(), e)
	if err != nil {
		b, _ = event.Encode(r.now(), event.Warning{Kind: "event", Text: fmt.Sprintf("event %s could not be written as JSON: %v", e.Name(), err)})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.w.Write(append(b, '\n'))
}

// lines is what a person reads of an event: its lines, each ending in a
// newline, or nothing.
func lines(e event.Event, p paint) string {
	switch e := e.(type) {
	case event.SourceSkipped:
		which := "model"
		if e.Selection {
			which = "selected model"
		}
		return fmt.Sprintf("ingest  %-14s not loaded: no %s reads bronze.%s\n", e.Source, which, e.Source)
	case event.SourceIngested:
		if e.Topic != "" {
			return fmt.Sprintf("ingest  %-14s %9d messages from topic %s (%d partition%s), %6d quarantined  %6.2fs\n",
				e.Source, e.Records, e.Topic, e.Partitions, output.Plural(e.Partitions), e.Quarantined, e.Seconds)
		}
		return fmt.Sprintf("ingest  %-14s %4d new files, %9d records, %6d quarantined  %6.2fs\n", e.Source, e.Files, e.Records, e.Quarantined, e.Seconds)
	case event.Note:
		return "  note: " + e.Text + fileList(e.Files) + "\n"
	case event.Warning:
		return "  " + p(styleWarn, "warning:") + " " + e.Text + fileList(e.Files) + "\n"
	case event.ModelDone:
		rows := fmt.Sprintf("%12s", fmt.Sprintf("%d rows", e.Rows))
		switch {
		case e.Status == event.ModelFailed:
			rows = fmt.Sprintf("%7s", "") + p(styleFail, "ERROR")
		case e.Mode == event.ModeView:
			rows = fmt.Sprintf("%12s", "view")
		}
		return fmt.Sprintf("%3d/%d  %-36s %-11s %s  %6.2fs\n", e.Index, e.Count, e.Model, e.Mode, rows, e.Seconds)
	case event.ModelsSkipped:
		s := ""
		if len(e.Models) > 0 {
			s = fmt.Sprintf("not run, as %s failed: %s\n", e.Failed, strings.Join(e.Models, ", "))
		}
		return s + "nothing was published: the warehouse is as it was before this build\n"
	case event.Checks:
		return fmt.Sprintf("checks: %d passed, %d failed, %d warning%s\n", e.Passed, e.Failed, e.Warnings, output.Plural(e.Warnings))
	case event.CheckResult:
		return checkLines(e, p)
	case event.Reconciliation:
		return reconLines(e, p)
	case event.Published:
		return fmt.Sprintf("published run %d\n", e.RunID)
	case event.ExportWritten:
		kept := ""
		switch {
		case e.Kept:
			kept = " (kept: its rows did not change)"
		case e.Patched:
			kept = fmt.Sprintf(" (csv: the records of %s changed key%s written, the others copied)", output.Count(e.Changed), output.Plural(int(e.Changed)))
		}
		return fmt.Sprintf("export  %-36s %-11s %12s  %6.2fs  -> %s%s\n", e.Model, strings.Join(e.Formats, "+"), fmt.Sprintf("%d rows", e.Rows), e.Seconds, e.Path, kept)
	case event.OnlinePublished:
		return fmt.Sprintf("online  %-36s %-11s %12s  %6.2fs  -> redis\n", e.Model, "redis", fmt.Sprintf("%d keys", e.Keys), e.Seconds)
	case event.OnlineSkipped:
		return fmt.Sprintf("online  %-36s not served: %s\n", e.Model, e.Reason)
	case event.OnlineWarning:
		return p(styleWarn, "warning:") + " " + e.Text + "\n"
	case event.BuildFinished:
		return fmt.Sprintf("Done: %d model%s built in %.2fs (run %d)\n", e.Models, output.Plural(e.Models), e.Seconds, e.RunID)
	case event.UnitTests:
		return fmt.Sprintf("unit tests: %d passed, %d failed\n", e.Passed, e.Failed)
	case event.UnitTestResult:
		return unitLines(e, p)
	case event.DocsWritten:
		return fmt.Sprintf("wrote %s: %d models, %d sources\n", e.Path, e.Models, e.Sources)
	case event.TestScaffolded:
		return fmt.Sprintf("wrote %s: %d input row%s, %d expected\n", e.Path, e.Inputs, output.Plural(e.Inputs), e.Expected)
	case event.Info:
		return e.Text + "\n"
	case event.WatchStarted:
		s := ""
		if e.Polling != "" {
			s = fmt.Sprintf("note: %s; polling every %s\n", e.Polling, e.IntervalText)
		}
		for _, t := range e.Topics {
			s += "reading " + t + "\n"
		}
		return s + fmt.Sprintf("watching %s (every %s; Ctrl-C stops)\n", e.Dir, e.IntervalText)
	case event.WatchFileHeld:
		if e.Reason == event.HeldEmpty {
			return fmt.Sprintf("%s  note: %s is empty; watch takes it once it has content and holds still\n", stamp(e.At), e.File)
		}
		return fmt.Sprintf("%s  %s %s; watch leaves it out of its builds from now on\n", stamp(e.At), p(styleWarn, "warning:"), e.Text)
	case event.WatchBuildDone:
		var b strings.Builder
		files := fmt.Sprintf("%d file%s, ", e.Files, output.Plural(e.Files))
		if e.Messages > 0 {
			files += fmt.Sprintf("%d message%s, ", e.Messages, output.Plural(int(e.Messages)))
		}
		fmt.Fprintf(&b, "%s  run %d: %s%d records (%d quarantined), %d models in %.2fs\n",
			stamp(e.At), e.RunID, files, e.Records, e.Quarantined, e.Models, e.Seconds)
		for _, w := range e.Warnings {
			if rest, ok := strings.CutPrefix(w, "warning:"); ok {
				w = p(styleWarn, "warning:") + rest
			}
			fmt.Fprintf(&b, "%s  %s\n", stamp(e.At), w)
		}
		return b.String()
	case event.WatchBuildFailed:
		if e.Waiting == 0 {
			return fmt.Sprintf("%s  build failed: %s\n", stamp(e.At), e.Error) // a build for new messages
		}
		return fmt.Sprintf("%s  build failed (%d new file%s waiting): %s\n", stamp(e.At), e.Waiting, output.Plural(e.Waiting), e.Error)
	case event.WatchPollFailed:
		if e.Kafka {
			return fmt.Sprintf("%s  cannot reach Kafka: %s\n", stamp(e.At), e.Error)
		}
		return fmt.Sprintf("%s  cannot read the bronze folder: %s\n", stamp(e.At), e.Error)
	case event.WatchStopped:
		return "stopped\n"
	}
	// run_started, build_started, watch_build_started, run_finished: for
	// machines only (the error is written apart, on stderr).
	return ""
}

// stamp is the time of day a watch line starts with.
func stamp(t time.Time) string { return t.Format("15:04:05") }

// fileList is the paths a note is about, after a colon, up to ten of them,
// one a line.
func fileList(files []string) string {
	if len(files) == 0 {
		return ""
	}
	const max = 10
	var b strings.Builder
	b.WriteString(":")
	for i, f := range files {
		if i == max {
			fmt.Fprintf(&b, "\n    … and %d more", len(files)-max)
			break
		}
		fmt.Fprintf(&b, "\n    %s", f)
	}
	return b.String()
}

// checkLines are a check that did not pass: what it checks, how many rows
// failed and their share, what was allowed, and its sample rows.
func checkLines(r event.CheckResult, p paint) string {
	if r.Passed {
		return ""
	}
	var b strings.Builder
	tag := p(styleFail, "FAIL")
	if r.Severity == "warn" {
		tag = p(styleWarn, "WARN")
	}
	fmt.Fprintf(&b, "%s  %s  %s: ", tag, r.Target, r.Check)
	switch {
	case r.Error != "":
		fmt.Fprintf(&b, "could not run: %s\n", r.Error)
	case r.Unit == "test":
		fmt.Fprintf(&b, "returned %d row%s\n", r.Failing, output.Plural(int(r.Failing)))
	case r.Detail != "":
		fmt.Fprintf(&b, "%s\n", r.Detail)
	default:
		unit, verb := "row", "fail"
		if r.Unit == "record" {
			unit, verb = "record", "quarantined"
		}
		share := 0.0
		if r.Total != 0 {
			share = float64(r.Failing) / float64(r.Total)
		}
		fmt.Fprintf(&b, "%d of %d %s%s %s (%.1f%%)", r.Failing, r.Total, unit, output.Plural(int(r.Total)), verb, 100*share)
		if r.Allowed > 0 {
			fmt.Fprintf(&b, ", at most %.1f%% allowed", 100*r.Allowed)
		}
		b.WriteString("\n")
	}
	if t := r.Samples; t != nil && len(t.Rows) > 0 {
		res := &output.Result{Columns: t.Columns, Types: t.Types, Rows: make([][]any, len(t.Rows))}
		for i, row := range t.Rows {
			res.Rows[i] = make([]any, len(row))
			for j, v := range row {
				if v != nil {
					res.Rows[i][j] = *v
				}
			}
		}
		output.WritePlain(&b, res, "      ")
	}
	return b.String()
}

// reconLines are the reconciliation's table, a row per source, and what
// its models leave out on purpose.
func reconLines(e event.Reconciliation, p paint) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-14s %10s %10s %11s %12s\n", "source", "read", "silver", "superseded", "quarantined")
	for _, r := range e.Sources {
		mark := p(styleOK, "ok")
		if !r.Balanced {
			mark = p(styleFail, "MISMATCH")
		}
		fmt.Fprintf(&b, "%-14s %10d %10d %11d %12d  %s\n", r.Source, r.Read, r.Silver, r.Superseded, r.Quarantined, mark)
	}
	for _, r := range e.Sources {
		switch {
		case r.Filtered > 0 && r.Balanced:
			fmt.Fprintf(&b, "  %s: silver is %s, whose WHERE or HAVING leaves out %d record%s on purpose (read %d = %d + %d superseded + %d quarantined + %d left out)\n",
				r.Source, r.Model, r.Filtered, output.Plural(int(r.Filtered)), r.Read, r.Silver, r.Superseded, r.Quarantined, r.Filtered)
		case r.Model != "" && !strings.EqualFold(r.Model, "silver."+r.Source):
			fmt.Fprintf(&b, "  %s: silver is %s, the model with the source's key as its unique_key\n", r.Source, r.Model)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// unitLines are a unit test that failed, with its row diff: "-" for an
// expected row not returned, "+" for a returned row not expected.
func unitLines(r event.UnitTestResult, p paint) string {
	var b strings.Builder
	switch {
	case r.Error != "":
		fmt.Fprintf(&b, "%s  %s  %s (%s): could not run: %s\n", p(styleFail, "FAIL"), r.Test, r.Model, r.How, r.Error)
	case !r.Passed:
		fmt.Fprintf(&b, "%s  %s  %s (%s): %d expected row%s not returned, %d row%s not expected\n", p(styleFail, "FAIL"), r.Test, r.Model, r.How,
			len(r.Missing), output.Plural(len(r.Missing)), len(r.Extra), output.Plural(len(r.Extra)))
		for _, x := range r.Missing {
			fmt.Fprintf(&b, "  - %s\n", x)
		}
		for _, x := range r.Extra {
			fmt.Fprintf(&b, "  + %s\n", x)
		}
	}
	return b.String()
}
