package project

import "testing"

// TestHeaderPos: the line and column of a header value in the model file,
// through mappings and sequences, on the comment's first line too; the
// deepest node found when the path goes further than the header.
func TestHeaderPos(t *testing.T) {
	text := "/*\nmaterialized: incremental\nunique_key: id\ncolumns:\n  - name: id\n  - {name: b, checks: [not_null]}\n*/\nSELECT 1 AS id\n"
	oneLine := "/* materialized: table */\nSELECT 1 AS k\n"
	for _, tc := range []struct {
		text      string
		path      []string
		line, col int
	}{
		{text, []string{"unique_key"}, 3, 13},
		{text, []string{"columns", "0"}, 5, 5},
		{text, []string{"columns", "0", "name"}, 5, 11},
		{text, []string{"columns", "1", "name"}, 6, 12},
		{text, []string{"columns", "1", "checks", "0"}, 6, 24},
		{text, []string{"columns", "7", "name"}, 5, 3}, // no such entry: the columns list
		{text, []string{"order_by"}, 2, 1},             // no such key: the header
		{oneLine, []string{"materialized"}, 1, 18},
		{oneLine, []string{"unique_key"}, 1, 4}, // no such key: the header
		{"SELECT 1\n", []string{"unique_key"}, 1, 1},
	} {
		m := &Model{Path: "models/a/b.sql", Text: tc.text}
		if line, col := m.HeaderPos(tc.path...); line != tc.line || col != tc.col {
			t.Errorf("%q in %q: %d:%d, want %d:%d", tc.path, tc.text[:20], line, col, tc.line, tc.col)
		}
	}
}
