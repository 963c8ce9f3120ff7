package report

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/output"
)

// terminal is how a command's events reach a person: as plain lines, and
// on a terminal the running step is shown live (with its elapsed time) and
// ok, WARN/warning and FAIL/ERROR/MISMATCH are coloured, by what the event
// says; piped or with NO_COLOR set, lines are plain.
type terminal struct {
	w     io.Writer
	tty   bool
	color bool
	mu    sync.Mutex
}

// newTerminal wraps w, which is a terminal when it is a terminal's file
// that reads escape sequences (a Windows console without them gets plain
// lines).
func newTerminal(w io.Writer) *terminal {
	t := &terminal{w: w}
	if f, ok := w.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) && enableEscapes(f) {
		t.tty = true
		_, noColor := os.LookupEnv("NO_COLOR")
		t.color = !noColor && os.Getenv("TERM") != "dumb"
	}
	return t
}

// Report writes e's lines, coloured on a colour terminal.
func (t *terminal) Report(e event.Event) {
	p := noPaint
	if t.color {
		p = ansi
	}
	text := lines(e, p)
	if text == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	io.WriteString(t.w, text)
}

// live shows a running step on a terminal, redrawn with its elapsed time,
// its percentage done when known (percent says -1 when not), and the rows
// it reported so far, until done; elsewhere it shows nothing (the step's
// line follows anyway).
func (t *terminal) live(step string, percent func() float64) (rows func(int64), done func()) {
	if !t.tty {
		return func(int64) {}, func() {}
	}
	start := time.Now()
	var n atomic.Int64
	n.Store(-1)
	stop := make(chan struct{})
	finished := make(chan struct{})
	draw := func() {
		t.mu.Lock()
		fmt.Fprintf(t.w, "\r\x1b[K%s  running %.1fs", step, time.Since(start).Seconds())
		if p := percent(); p >= 0 {
			fmt.Fprintf(t.w, "  %.0f%%", p)
		}
		if r := n.Load(); r >= 0 {
			fmt.Fprintf(t.w, "  %s rows", output.Count(r))
		}
		t.mu.Unlock()
	}
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		draw()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				draw()
			}
		}
	}()
	return func(r int64) { n.Store(r) }, func() {
		close(stop)
		<-finished
		t.mu.Lock()
		fmt.Fprint(t.w, "\r\x1b[K")
		t.mu.Unlock()
	}
}

// ScreenWidth tells whether w is a terminal and, if so, how many columns
// wide it is ($COLUMNS when the terminal does not say; 80 when neither).
func ScreenWidth(w io.Writer) (int, bool) {
	f, ok := w.(*os.File)
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return 0, false
	}
	if n := terminalWidth(f); n > 0 {
		return n, true
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n, true
	}
	return 80, true
}
