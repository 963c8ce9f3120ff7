package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/digitalservices/elt/internal/output"
	"github.com/mattn/go-isatty"
)

// terminal is how build output reaches a person: on a terminal, the running
// step is shown live (with its elapsed time) and OK/WARN/FAIL are coloured;
// piped or with NO_COLOR set, lines are plain.
type terminal struct {
	w     io.Writer
	tty   bool
	color bool
	mu    sync.Mutex
	buf   bytes.Buffer
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

var (
	failRe = regexp.MustCompile(`(?m)^(\s*)(FAIL|ERROR|MISMATCH)\b|\b(ERROR|MISMATCH)$`)
	warnRe = regexp.MustCompile(`(?m)^(\s*)(WARN|warning:)`)
	okRe   = regexp.MustCompile(`(?m)\bok$`)
)

// Write passes whole lines on, coloured on a colour terminal.
func (t *terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.color {
		return t.w.Write(p)
	}
	t.buf.Write(p)
	for {
		i := bytes.IndexByte(t.buf.Bytes(), '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(t.buf.Next(i + 1))
		line = failRe.ReplaceAllString(line, "$1\x1b[31m$2$3\x1b[0m")
		line = warnRe.ReplaceAllString(line, "$1\x1b[33m$2\x1b[0m")
		line = okRe.ReplaceAllString(line, "\x1b[32mok\x1b[0m")
		if _, err := io.WriteString(t.w, line); err != nil {
			return 0, err
		}
	}
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

// screenWidth tells whether w is a terminal and, if so, how many columns
// wide it is ($COLUMNS when the terminal does not say; 80 when neither).
func screenWidth(w io.Writer) (int, bool) {
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
