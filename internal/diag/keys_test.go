package diag

import "testing"

func TestFindKey(t *testing.T) {
	text := "materialized: table\nexport:\n  - {formats: [csv], path: x}\nonline:\n  key: id\n"
	for _, tc := range []struct {
		key       string
		line, col int
	}{
		{"materialized", 1, 1},
		{"online", 4, 1},
		{"key", 5, 3},
		{"formats", 3, 6}, // in a flow mapping
		{"missing", 1, 0},
	} {
		if line, col := FindKey(text, tc.key); line != tc.line || col != tc.col {
			t.Errorf("%s: %d:%d, want %d:%d", tc.key, line, col, tc.line, tc.col)
		}
	}
}
