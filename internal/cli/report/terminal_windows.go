//go:build windows

package report

import (
	"os"

	"github.com/mattn/go-isatty"
	"golang.org/x/sys/windows"
)

// enableEscapes tells whether f's terminal reads the escape sequences that
// colour text and redraw the live line. A Windows console reads them once
// asked to (ENABLE_VIRTUAL_TERMINAL_PROCESSING, Windows 10 and later; left
// on when elt exits, as Windows Terminal has it anyway); a console that
// refuses gets plain lines. A Cygwin or MSYS2 terminal (mintty) is a pipe
// to Windows and reads escape sequences itself.
func enableEscapes(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return isatty.IsCygwinTerminal(f.Fd())
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}

// terminalWidth is how many columns wide f's console window is (its
// visible part, not the scroll-back buffer); 0 when f is not a console
// (a Cygwin terminal: $COLUMNS then tells).
func terminalWidth(f *os.File) int {
	var info windows.ConsoleScreenBufferInfo
	if err := windows.GetConsoleScreenBufferInfo(windows.Handle(f.Fd()), &info); err != nil {
		return 0
	}
	return int(info.Window.Right-info.Window.Left) + 1
}
