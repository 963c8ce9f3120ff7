package warehouse

import (
	"context"
	"fmt"
	"testing"
)

// TestFrame: a frame reads back as it was built, whole or a few columns
// at a time, over more rows than one chunk holds, inside a transaction on
// any connection; an unshared frame is an error, not a crash.
func TestFrame(t *testing.T) {
	ctx := context.Background()
	db := memoryDB(t)
	const rows = 5000
	n, word := IntColumn("n", rows), TextColumn("word", rows)
	src := word.AddSource("alpha beta gamma")
	for i := range rows {
		n.AddInt(int64(i))
		switch i % 4 {
		case 0:
			word.AddSpan(src, 6, 4) // beta
		case 1:
			word.AddNull()
		case 2:
			word.AddString(fmt.Sprintf("own %d é\x00x", i))
		default:
			word.AddSpan(src, 0, 0)
		}
	}
	fr, err := NewFrame(n, word)
	if err != nil {
		t.Fatal(err)
	}
	id, unshare := Share(fr)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, tc := range []struct{ query, want string }{
		{"SELECT count(*), sum(n), count(word) FROM elt_frame(%d)", fmt.Sprint(rows, " ", rows*(rows-1)/2, " ", rows*3/4)},
		{"SELECT count(*) FROM elt_frame(%d) WHERE word = 'beta'", fmt.Sprint(rows / 4)},
		{"SELECT word FROM elt_frame(%d) WHERE n = 4002", "own 4002 é\x00x"},
		{"SELECT coalesce(word, 'null') FROM elt_frame(%d) WHERE n = 4001", "null"},
		{"SELECT length(word) FROM elt_frame(%d) WHERE n = 3", "0"},
		{"SELECT max(n) FROM elt_frame(%d)", fmt.Sprint(rows - 1)},
	} {
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(tc.query, id))
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		cols, _ := rows.Columns()
		var got string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if i > 0 {
					got += " "
				}
				got += fmt.Sprint(v)
			}
		}
		rows.Close()
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.query, got, tc.want)
		}
	}
	unshare()
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SELECT * FROM elt_frame(%d)", id)); err == nil {
		t.Error("an unshared frame read without error")
	}
	if _, err := NewFrame(n, IntColumn("short", 0)); err == nil {
		t.Error("columns of different lengths made a frame")
	}
}
