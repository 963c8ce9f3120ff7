package frame_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/digitalservices/elt/internal/warehouse"
	"github.com/digitalservices/elt/internal/warehouse/frame"
)

// memoryDB opens an in-memory warehouse (which registers elt_frame) on
// two threads, closed when the test ends.
func memoryDB(t *testing.T) *warehouse.DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestFrame: a frame reads back as it was built, whole or a few columns
// at a time, over more rows than one chunk holds, inside a transaction on
// any connection; an unshared frame is an error, not a crash.
func TestFrame(t *testing.T) {
	ctx := context.Background()
	db := memoryDB(t)
	const rows = 5000
	n, word := frame.IntColumn("n", rows), frame.TextColumn("word", rows)
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
	fr, err := frame.New(n, word)
	if err != nil {
		t.Fatal(err)
	}
	id, unshare := frame.Share(fr)
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
	if _, err := frame.New(n, frame.IntColumn("short", 0)); err == nil {
		t.Error("columns of different lengths made a frame")
	}
}

// TestFrameValues: every kind of value the callers frame (BIGINT, VARCHAR
// as a span of a shared source or a string of its own, NULL in either)
// reads back as framed, row by row, over frames that end inside, at and
// past the boundaries of DuckDB's chunks of 2048 rows, whichever columns
// the query reads; a string that is not UTF-8 reads as NULL (as DuckDB's
// C API writes it).
func TestFrameValues(t *testing.T) {
	ctx := context.Background()
	db := memoryDB(t)
	chunk := 2048
	texts := []string{"", "a", "twelve bytes", "thirteen byte", "éééééé", "日本語だよ", "a longer string that DuckDB keeps out of line", "\xff"}
	for _, tc := range []struct {
		name  string
		rows  int
		nulls bool // every fifth row NULL in both columns
	}{
		{"empty", 0, false},
		{"one row", 1, false},
		{"inside one chunk", 100, true},
		{"one whole chunk", chunk, true},
		{"one past a chunk", chunk + 1, true},
		{"several chunks", 3*chunk + 7, true},
		{"many chunks, no NULL", 10*chunk + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, word, own := frame.IntColumn("n", tc.rows), frame.TextColumn("word", tc.rows), frame.TextColumn("own", tc.rows)
			shared := word.AddSource(strings.Join(texts, ""))
			type row struct {
				n    sql.NullInt64
				word sql.NullString
				own  sql.NullString
			}
			want := make([]row, tc.rows)
			for i := range tc.rows {
				if tc.nulls && i%5 == 4 {
					n.AddNull()
					word.AddNull()
					own.AddNull()
					continue
				}
				v := texts[i%len(texts)]
				off := len(strings.Join(texts[:i%len(texts)], ""))
				n.AddInt(int64(i)*1_000_003 - 1<<40)
				word.AddSpan(shared, uint32(off), uint32(len(v)))
				own.AddString(fmt.Sprint(v, i))
				want[i].n = sql.NullInt64{Int64: int64(i)*1_000_003 - 1<<40, Valid: true}
				if utf8.ValidString(v) {
					want[i].word = sql.NullString{String: v, Valid: true}
					want[i].own = sql.NullString{String: fmt.Sprint(v, i), Valid: true}
				}
			}
			fr, err := frame.New(n, word, own)
			if err != nil {
				t.Fatal(err)
			}
			id, unshare := frame.Share(fr)
			defer unshare()
			// Row numbers come from n (unique) where it is not NULL, so that
			// the scan's order does not matter.
			q := fmt.Sprintf("SELECT n, word, own FROM elt_frame(%d) WHERE n IS NOT NULL", id)
			rows, err := db.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			seen := 0
			for rows.Next() {
				var got row
				if err := rows.Scan(&got.n, &got.word, &got.own); err != nil {
					t.Fatal(err)
				}
				i := int((got.n.Int64 + 1<<40) / 1_000_003)
				if i < 0 || i >= tc.rows || got != want[i] {
					t.Fatalf("row %+v, want %+v", got, want[min(max(i, 0), max(tc.rows-1, 0))])
				}
				seen++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			var total, nullN, nullWord, nullOwn, chars int64
			q = fmt.Sprintf("SELECT count(*), count(*) - count(n), count(*) - count(word), count(*) - count(own), coalesce(sum(length(word)), 0) FROM elt_frame(%d)", id)
			if err := db.QueryRowContext(ctx, q).Scan(&total, &nullN, &nullWord, &nullOwn, &chars); err != nil {
				t.Fatal(err)
			}
			var wantNullN, wantNullWord, wantChars int64
			for i, w := range want {
				if tc.nulls && i%5 == 4 {
					wantNullN++
				}
				if !w.word.Valid {
					wantNullWord++
				}
				wantChars += int64(utf8.RuneCountInString(w.word.String))
			}
			if seen != tc.rows-int(wantNullN) || total != int64(tc.rows) || nullN != wantNullN || nullWord != wantNullWord || nullOwn != wantNullWord || chars != wantChars {
				t.Errorf("%d rows read (%d with n), NULLs n %d word %d own %d, %d characters; want %d (%d), %d, %d, %d, %d",
					total, seen, nullN, nullWord, nullOwn, chars, tc.rows, tc.rows-int(wantNullN), wantNullN, wantNullWord, wantNullWord, wantChars)
			}
			// One column alone, the others not projected.
			var distinct int64
			q = fmt.Sprintf("SELECT count(DISTINCT own) FROM elt_frame(%d)", id)
			if err := db.QueryRowContext(ctx, q).Scan(&distinct); err != nil {
				t.Fatal(err)
			}
			if distinct != int64(tc.rows)-wantNullWord {
				t.Errorf("count(DISTINCT own) = %d, want %d", distinct, int64(tc.rows)-wantNullWord)
			}
		})
	}
}
