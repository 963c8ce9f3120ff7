package diag

import (
	"strings"
	"testing"
)

// TestCaretCountsCharacters: a FileError's caret stands under its Col-th
// character, whatever the bytes of the characters before it, and Position
// counts a byte offset's column in characters.
func TestCaretCountsCharacters(t *testing.T) {
	for _, tc := range []struct {
		name, text, at string // at: the text the error points to
	}{
		{"ascii", "SELECT a, nope FROM x", "nope"},
		{"accents", "SELECT 'é', ñ FROM x", "ñ"},
		{"wide", "SELECT '日本語', nope FROM x", "nope"},
		{"second line", "SELECT 'é'\n  , 'ñ日', zz FROM x", "zz"},
		{"end of line", "SELECT 'é' +", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			off := len(tc.text)
			if tc.at != "" {
				off = strings.Index(tc.text, tc.at)
			}
			line, col := Position(tc.text, off)
			msg := At("m.sql", tc.text, line, col, "here").Error()
			lines := strings.Split(msg, "\n")
			if len(lines) != 3 {
				t.Fatalf("no caret:\n%s", msg)
			}
			src := lines[1][strings.Index(lines[1], "| ")+2:]
			caret := lines[2][strings.Index(lines[2], "| ")+2:]
			under := []rune(src + " ")[len([]rune(caret))-1:]
			if !strings.HasSuffix(caret, "^") || !strings.HasPrefix(string(under), tc.at) {
				t.Errorf("the caret is not under %q:\n%s", tc.at, msg)
			}
		})
	}
}
