package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestTerminal: colour only on a colour terminal, plain lines elsewhere; a
// live step is drawn and cleared on a terminal only.
func TestTerminal(t *testing.T) {
	in := "FAIL  gold.x  not_null(a): 1 of 2 rows\nWARN  gold.x  unique(a)\nevents  10  0  0  0  ok\n  2/6  silver.users  ERROR\n"
	for _, tc := range []struct {
		tty, color bool
		want       string
	}{
		{false, false, in},
		{true, false, in},
		{true, true, "\x1b[31mFAIL\x1b[0m  gold.x  not_null(a): 1 of 2 rows\n\x1b[33mWARN\x1b[0m  gold.x  unique(a)\nevents  10  0  0  0  \x1b[32mok\x1b[0m\n  2/6  silver.users  \x1b[31mERROR\x1b[0m\n"},
	} {
		var b bytes.Buffer
		term := &terminal{w: &b, tty: tc.tty, color: tc.color}
		for _, part := range strings.SplitAfter(in, "o") { // lines arrive in pieces
			if _, err := term.Write([]byte(part)); err != nil {
				t.Fatal(err)
			}
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
		rows, done := term.live("ingest  events", nil)
		rows(1234567)
		time.Sleep(250 * time.Millisecond) // one redraw
		done()
		if got := b.String(); tc.tty != strings.Contains(got, "ingest  events  running 0.") || tc.tty != strings.Contains(got, "s  1,234,567 rows") || strings.Contains(got, "%") {
			t.Errorf("tty %v: live drew %q with rows", tc.tty, got)
		}
	}
	if newTerminal(&bytes.Buffer{}).tty {
		t.Error("a buffer is not a terminal")
	}
}
