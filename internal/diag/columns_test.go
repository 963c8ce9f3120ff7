package diag

import "testing"

// TestColumns: DuckDB counts a parser position in characters and draws its
// caret by terminal width; both become byte offsets and character columns.
func TestColumns(t *testing.T) {
	for _, tc := range []struct {
		text      string
		chars     int
		wantBytes int
	}{
		{"abc", 2, 2}, {"é,x", 1, 2}, {"日本語x", 3, 9}, {"ab", 5, 2}, {"é", 0, 0}, {"x", -1, -1},
	} {
		if got := ByteOffset(tc.text, tc.chars); got != tc.wantBytes {
			t.Errorf("ByteOffset(%q, %d) = %d, want %d", tc.text, tc.chars, got, tc.wantBytes)
		}
	}
	for _, tc := range []struct {
		line         string
		width, chars int
	}{
		{"abc", 0, 1}, {"abc", 2, 3}, {"é,x", 2, 3}, {"日本x", 4, 3}, {"日本x", 5, 4}, {"e\u0301x", 1, 3}, {"ab", 4, 5},
	} {
		if got := CharColumn(tc.line, tc.width); got != tc.chars {
			t.Errorf("CharColumn(%q, %d) = %d, want %d", tc.line, tc.width, got, tc.chars)
		}
	}
}
