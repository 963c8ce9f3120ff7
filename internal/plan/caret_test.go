package plan

import (
	"context"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestParseErrorAfterMultiByteText: a model DuckDB's parser cannot read is
// placed at the character the parser names (it counts characters, not
// bytes), with the caret under it, whatever multi-byte text comes before.
func TestParseErrorAfterMultiByteText(t *testing.T) {
	for _, tc := range []struct {
		name, sql, want, caret string
	}{
		{"ascii", "SELECT 'e', 1 FROM FROM x", "models/a/x.sql:1:20:", "FROM x"},
		{"accents", "SELECT 'é', 'ñ' FROM FROM x", "models/a/x.sql:1:22:", "FROM x"},
		{"wide, second line", "SELECT '日本語'\n  , 'ü' AS a FROM FROM x", "models/a/x.sql:2:19:", "FROM x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), parser(t), testutil.Models(t, map[string]string{"a.x": tc.sql}), nil, nil)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("got\n%s\nwant it at %s", msg, tc.want)
			}
			lines := strings.Split(msg, "\n")
			var src, caret string
			for i, l := range lines {
				if strings.HasSuffix(l, "^") && i > 0 {
					src, caret = lines[i-1][strings.Index(lines[i-1], "| ")+2:], l[strings.Index(l, "| ")+2:]
				}
			}
			if caret == "" || !strings.HasPrefix(string([]rune(src)[len([]rune(caret))-1:]), tc.caret) {
				t.Errorf("the caret is not under %q:\n%s", tc.caret, msg)
			}
		})
	}
}
