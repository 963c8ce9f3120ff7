package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"unicode/utf8"
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

// TestFrameDirect: elt_frame writes values into DuckDB's vectors in place
// (duckdb-go's layout is found), and what it writes is what was framed: a
// string inlined (12 bytes or fewer, with the rest of DuckDB's string_t
// zeroed, so equal strings compare and group as equal whatever text follows
// them in their source) or copied (longer), and integers, over several
// chunks; a short string that is not UTF-8 is written as duckdb-go writes it.
func TestFrameDirect(t *testing.T) {
	if !layout.ok {
		t.Fatal("duckdb-go's vector layout is not the one elt_frame writes into: every value goes through duckdb-go, slowly")
	}
	ctx := context.Background()
	db := memoryDB(t)
	values := []string{"", "a", "twelve bytes", "eleven byte", "thirteen byte", "éééééé", "ééééééé", "日本語だ", "日本語だよ", "\xff"}
	const rows = 6000
	n, word := IntColumn("n", rows), TextColumn("word", rows)
	for i := range rows {
		v := values[i%len(values)]
		n.AddInt(int64(i) - 3000)
		// Each value followed by other text in its own source.
		word.AddSpan(word.AddSource(v+"~junk after it~"), 0, uint32(len(v)))
	}
	fr, err := NewFrame(n, word)
	if err != nil {
		t.Fatal(err)
	}
	id, unshare := Share(fr)
	defer unshare()
	for i, v := range values[:len(values)-1] {
		var count, distinct, sum int64
		var length sql.NullInt64
		q := fmt.Sprintf("SELECT count(*), count(DISTINCT word), sum(n), max(length(word)) FROM elt_frame(%d) WHERE word = ?", id)
		if err := db.QueryRowContext(ctx, q, v).Scan(&count, &distinct, &sum, &length); err != nil {
			t.Fatal(err)
		}
		want := int64(rows / len(values))
		var wantSum int64
		for r := i; r < rows; r += len(values) {
			wantSum += int64(r) - 3000
		}
		if count != want || distinct != 1 || sum != wantSum || length.Int64 != int64(utf8.RuneCountInString(v)) {
			t.Errorf("%q: %d rows, %d distinct, sum(n) %d, length %d; want %d rows of one value, sum %d", v, count, distinct, sum, length.Int64, want, wantSum)
		}
	}
	var nulls int64
	if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM elt_frame(%d) WHERE word IS NULL", id)).Scan(&nulls); err != nil {
		t.Fatal(err)
	}
	if nulls != rows/int64(len(values)) {
		t.Errorf("the string that is not UTF-8: %d NULLs, want %d (as duckdb-go writes it)", nulls, rows/len(values))
	}
	var total, groups int64
	if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*), count(DISTINCT coalesce(word, 'NULL')) FROM elt_frame(%d)", id)).Scan(&total, &groups); err != nil {
		t.Fatal(err)
	}
	if total != rows || groups != int64(len(values)) {
		t.Errorf("%d rows in %d groups, want %d in %d", total, groups, rows, len(values))
	}
}
