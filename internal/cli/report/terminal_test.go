package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/event"
)

// TestTerminal: colour only on a colour terminal, by what each event says
// (a failed check, a warning, a balanced or unbalanced source, a failed
// model), plain lines elsewhere; a live step is drawn and cleared on a
// terminal only.
func TestTerminal(t *testing.T) {
	evs := []event.Event{
		event.CheckResult{Target: "gold.x", Check: "not_null(a)", Severity: "error", Status: event.CheckFail, Failing: 1, Total: 2, Unit: "row"},
		event.CheckResult{Target: "gold.x", Check: "unique(a)", Severity: "warn", Status: event.CheckWarn, Detail: "2 duplicates"},
		event.Reconciliation{Sources: []event.Balance{{Source: "events", Read: 10, Silver: 10, Balanced: true}, {Source: "users", Read: 3, Silver: 2}}},
		event.ModelDone{Index: 2, Count: 6, Model: "silver.users", Mode: "table", Status: event.ModelFailed, Seconds: 0.5},
		event.Warning{Kind: "not_reconciled", Source: "events", Text: "events: not reconciled: why"},
	}
	plain := "FAIL  gold.x  not_null(a): 1 of 2 rows fail (50.0%)\nWARN  gold.x  unique(a): 2 duplicates\n" +
		"\nsource               read     silver  superseded  quarantined\n" +
		"events                 10         10           0            0  ok\n" +
		"users                   3          2           0            0  MISMATCH\n\n" +
		"  2/6  silver.users                         table              ERROR    0.50s\n" +
		"  warning: events: not reconciled: why\n"
	colored := strings.NewReplacer("FAIL", "\x1b[31mFAIL\x1b[0m", "WARN", "\x1b[33mWARN\x1b[0m", "  ok\n", "  \x1b[32mok\x1b[0m\n",
		"MISMATCH", "\x1b[31mMISMATCH\x1b[0m", "ERROR", "\x1b[31mERROR\x1b[0m", "warning:", "\x1b[33mwarning:\x1b[0m").Replace(plain)
	for _, tc := range []struct {
		tty, color bool
		want       string
	}{
		{false, false, plain},
		{true, false, plain},
		{true, true, colored},
	} {
		var b bytes.Buffer
		term := &terminal{w: &b, tty: tc.tty, color: tc.color}
		for _, e := range evs {
			term.Report(e)
		}
		if b.String() != tc.want {
			t.Errorf("tty %v color %v:\ngot  %q\nwant %q", tc.tty, tc.color, b.String(), tc.want)
		}
		b.Reset()
		_, done := term.live("  1/1  gold.x", func() float64 { return 42.4 })
		done()
		if got := b.String(); tc.tty != strings.Contains(got, "gold.x  running 0.0s  42%") || tc.tty != strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("tty %v: live drew %q", tc.tty, got)
		}
		b.Reset()
		rows, done := term.live("ingest  events", func() float64 { return 47.6 })
		rows(1234567)
		time.Sleep(250 * time.Millisecond) // one redraw
		done()
		if got := b.String(); tc.tty != strings.Contains(got, "ingest  events  running 0.") || tc.tty != strings.Contains(got, "s  48%  1,234,567 rows") {
			t.Errorf("tty %v: live drew %q with rows", tc.tty, got)
		}
	}
	if newTerminal(&bytes.Buffer{}).tty {
		t.Error("a buffer is not a terminal")
	}
}
