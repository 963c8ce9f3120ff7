//go:build linux

package report

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// openPty opens a pseudo-terminal: the terminal end elt writes to, and the
// other end, where the terminal's size is set.
func openPty(t *testing.T) (tty, ptmx *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty, ptmx
}

// TestTerminalWidthPty: on a real terminal elt takes the width the
// terminal says (TIOCGWINSZ, terminal_unix.go) over $COLUMNS; when the
// terminal says 0, $COLUMNS, then 80. A terminal is one for the live
// line; a file is not.
func TestTerminalWidthPty(t *testing.T) {
	tty, ptmx := openPty(t)
	for _, tc := range []struct {
		name    string
		cols    uint16
		columns string
		want    int
	}{
		{"the terminal says", 132, "", 132},
		{"the terminal over COLUMNS", 90, "50", 90},
		{"COLUMNS when the terminal says 0", 0, "50", 50},
		{"80 when neither says", 0, "", 80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := unix.IoctlSetWinsize(int(ptmx.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: tc.cols}); err != nil {
				t.Fatal(err)
			}
			t.Setenv("COLUMNS", tc.columns)
			if got, ok := ScreenWidth(tty); !ok || got != tc.want {
				t.Errorf("ScreenWidth = %d, %v; want %d, true", got, ok, tc.want)
			}
		})
	}
	if !newTerminal(tty).tty {
		t.Error("a pseudo-terminal is a terminal")
	}
	f, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := ScreenWidth(f); ok || newTerminal(f).tty {
		t.Error("a file is not a terminal")
	}
}
