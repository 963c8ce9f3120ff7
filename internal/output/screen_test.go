package output

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWriteScreen(t *testing.T) {
	narrow := &Result{Columns: []string{"id", "name"}, Types: []string{"INTEGER", "VARCHAR"}, Rows: [][]any{{int32(1), "Ana"}, {int32(2), "Ben"}}}
	long := &Result{Columns: []string{"id", "note"}, Types: []string{"INTEGER", "VARCHAR"}, Rows: [][]any{{int32(1), strings.Repeat("x", 100)}}, Total: 5}
	wide := &Result{Types: make([]string, 12)}
	var row []any
	for i := range 12 {
		wide.Columns = append(wide.Columns, "column_"+string(rune('a'+i)))
		wide.Types[i] = "VARCHAR"
		row = append(row, "value "+strings.Repeat("v", i))
	}
	wide.Rows = [][]any{row}
	for _, tc := range []struct {
		name  string
		r     *Result
		want  []string
		width int
	}{
		{"fits as it is", narrow, []string{"│  1 │ Ana  │", "2 rows"}, 40},
		{"cut with an ellipsis, rest counted", long, []string{"│  1 │ " + strings.Repeat("x", 40) + "… │", "5 rows, 1 shown (--limit N or --all for more)"}, 50},
		{"too wide: one column a line", wide, []string{"── row 1 ──", "column_a │ value ", "column_l │ value vvvvvvvvvvv", "1 row"}, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteScreen(&b, tc.r, tc.width); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %q:\n%s", w, out)
				}
			}
			for _, l := range strings.Split(out, "\n") {
				if utf8.RuneCountInString(l) > tc.width {
					t.Errorf("a line of %d runes: %s", utf8.RuneCountInString(l), l)
				}
			}
		})
	}
}
