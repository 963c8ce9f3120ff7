//go:build unix

package report

import (
	"os"

	"golang.org/x/sys/unix"
)

// enableEscapes tells whether f's terminal reads the escape sequences that
// colour text and redraw the live line: a Unix terminal always does.
func enableEscapes(*os.File) bool { return true }

// terminalWidth is how many columns wide f's terminal is, as the terminal
// says (TIOCGWINSZ); 0 when it does not say.
func terminalWidth(f *os.File) int {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
