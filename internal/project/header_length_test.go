package project

import (
	"strings"
	"testing"
)

// TestHeaderColumnLength: a header column's length is a VARCHAR size from 1
// to 65535 bytes; anything else is an error at the value's line:col (before,
// -5 and 0 were ignored and 100000 became 65535 without a word).
func TestHeaderColumnLength(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
		length           int
	}{
		{name: "negative", text: "/*\ncolumns:\n  - name: a\n    length: -5\n*/\nSELECT 'x' AS a",
			want: "m.sql:4:13: column a: length is a size in bytes from 1 to 65535 (Redshift's largest VARCHAR), found -5"},
		{name: "too large", text: "/*\ncolumns:\n  - {name: b, description: ok}\n  - {name: a, length: 100000}\n*/\nSELECT 'x' AS a, 'y' AS b",
			want: "m.sql:4:23: column a: length is a size in bytes from 1 to 65535 (Redshift's largest VARCHAR), found 100000"},
		{name: "one over", text: "/* columns: [{name: a, length: 65536}] */\nSELECT 'x' AS a",
			want: "m.sql:1:32: column a: length is a size in bytes from 1 to 65535"},
		{name: "zero", text: "/*\ncolumns:\n  - name: a\n    length: 0\n*/\nSELECT 'x' AS a",
			want: "m.sql:4:13: column a: length is a size in bytes from 1 to 65535 (Redshift's largest VARCHAR), found 0"},
		{name: "smallest", text: "/*\ncolumns:\n  - name: a\n    length: 1\n*/\nSELECT 'x' AS a", length: 1},
		{name: "largest", text: "/*\ncolumns:\n  - name: a\n    length: 65535\n*/\nSELECT 'x' AS a", length: 65535},
		{name: "not given", text: "/*\ncolumns:\n  - name: a\n    description: no size\n*/\nSELECT 'x' AS a", length: 0},
	} {
		m, err := ParseModel("m.sql", "s", "m", tc.text, ModelDefaults{})
		switch {
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && m.Header.Columns[0].Length != tc.length:
			t.Errorf("%s: length %d, want %d", tc.name, m.Header.Columns[0].Length, tc.length)
		}
	}
}
