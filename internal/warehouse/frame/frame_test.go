package frame_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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

// memoryConn is a connection to an in-memory warehouse on threads threads,
// both closed when the test ends.
func memoryConn(t *testing.T, threads int) *sql.Conn {
	t.Helper()
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: threads})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// noDefine is ShareStreamOn's define for a statement that reads the
// relation itself.
func noDefine(string) error { return nil }

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

// TestStream: one scan of a stream reads every row of every frame once,
// over frames empty, smaller than, as large as and larger than DuckDB's
// chunks, on one to four threads; Done is told of every frame once, and
// only after every row of it has been through the query's filter (which
// looks at whether its frame is done, as elt_reject looks for a record's
// raw text); an error of Next fails the statement with its words, and no
// thread waits for ever. Each case runs twice: through elt_frame
// (ShareStream), and as ShareStreamOn shares it (an Arrow view when elt is
// built with Arrow, as make builds it).
func TestStream(t *testing.T) {
	chunk := 2048
	many := func(n, rows int) []int { return slices.Repeat([]int{rows}, n) }
	for _, tc := range []struct {
		name    string
		rows    []int // of each frame
		threads int
		fail    int // Next fails on this call, from 1; 0 never
	}{
		{"one frame", []int{10}, 2, 0},
		{"an empty frame alone", []int{0}, 2, 0},
		{"empty frames among others", []int{0, 5, 0, 0, chunk, 1, 0}, 4, 0},
		{"frames of several chunks", []int{3*chunk + 1, chunk - 1, 2 * chunk, 7}, 4, 0},
		{"frames of several Arrow batches", []int{2*65536 + 5, 3, 65536}, 4, 0},
		{"many small frames on one thread", many(300, 100), 1, 0},
		{"many small frames", many(300, 100), 4, 0},
		{"Next fails at once", many(3, chunk), 4, 1},
		{"Next fails midway", many(40, 300), 4, 20},
	} {
		for _, arrow := range []bool{false, true} {
			name := tc.name
			if arrow {
				name += ", shared on the connection"
			}
			t.Run(name, func(t *testing.T) { testStream(t, tc.rows, tc.threads, tc.fail, arrow) })
		}
	}
}

// testStream streams frames of rows[i] rows each to a query on threads
// threads, whose Next fails on call fail (0: never); with on, the stream
// is shared by ShareStreamOn.
func testStream(t *testing.T, rows []int, threads, fail int, on bool) {
	ctx := context.Background()
	conn := memoryConn(t, threads)
	var err error
	frames := make([]*frame.Frame, len(rows))
	var wantSum int64
	n := int64(0)
	for i, rows := range rows {
		fi, nc := frame.IntColumn("fi", rows), frame.IntColumn("n", rows)
		for range rows {
			fi.AddInt(int64(i))
			nc.AddInt(n)
			wantSum += n
			n++
		}
		if frames[i], err = frame.New(fi, nc); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	index := map[*frame.Frame]int{}
	for i, f := range frames {
		index[f] = i
	}
	done := make([]int, len(frames))
	var early []string // rows filtered after their frame was done
	next, calls := 1, 0
	stream := frame.Stream{
		Next: func() (*frame.Frame, error) {
			calls++
			if calls == fail {
				return nil, fmt.Errorf("no next frame, call %d", calls)
			}
			if next == len(frames) {
				return nil, nil
			}
			next++
			return frames[next-1], nil
		},
		Done: func(f *frame.Frame) {
			mu.Lock()
			defer mu.Unlock()
			done[index[f]]++
		},
	}
	rid, taken, release := warehouse.CollectRejects(func(file string, line int64) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if i, _ := strconv.Atoi(file); done[i] > 0 {
			early = append(early, fmt.Sprintf("frame %s row %d", file, line))
		}
		return file, true
	})
	defer release()
	// Every row goes through elt_reject, every third set aside.
	query := func(rel string) string {
		return fmt.Sprintf(`SELECT count(*), coalesce(sum(n), 0) FROM %s
		WHERE CASE WHEN n %% 3 = 0 THEN elt_reject(%d, fi::VARCHAR, n, 'third', NULL) ELSE true END`, rel, rid)
	}
	var rel string
	if on {
		var unshare func() error
		rel, unshare, err = frame.ShareStreamOn(ctx, conn, frames[0], stream, noDefine, func(rel string) (bool, error) {
			return frame.ReadsWhole(ctx, conn, query(rel), frames[0])
		})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := unshare(); err != nil {
				t.Error(err)
			}
		}()
		if frame.Arrow != strings.HasPrefix(rel, "elt_arrow_") {
			t.Errorf("shared as %s; built with Arrow: %t", rel, frame.Arrow)
		}
	} else {
		id, unshare := frame.ShareStream(frames[0], stream)
		defer unshare()
		rel = fmt.Sprintf("elt_frame(%d)", id)
	}
	stuck := time.AfterFunc(time.Minute, func() { panic("TestStream is stuck: " + t.Name()) })
	var kept, sum int64
	err = conn.QueryRowContext(ctx, query(rel)).Scan(&kept, &sum)
	stuck.Stop()
	if fail > 0 {
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("no next frame, call %d", fail)) {
			t.Fatalf("%v, want Next's error", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var set, setSum int64
	for _, r := range taken() {
		set++
		setSum += r.Line
	}
	if kept+set != n || sum+setSum != wantSum {
		t.Errorf("%d rows kept and %d set aside (sum %d), want %d rows (sum %d)", kept, set, sum+setSum, n, wantSum)
	}
	for i, d := range done {
		if d != 1 {
			t.Errorf("frame %d of %d rows done %d times", i, rows[i], d)
		}
	}
	if len(early) > 0 {
		t.Errorf("%d rows filtered after their frame was done: %v", len(early), early[:min(5, len(early))])
	}
}

// TestStreamScannedTwice: a statement that reads a stream twice (a join
// of elt_frame(id) with itself) fails with words that say so, rather than
// have its second scan wait for frames the first took.
func TestStreamScannedTwice(t *testing.T) {
	ctx := context.Background()
	db := memoryDB(t)
	n := frame.IntColumn("n", 3)
	for i := range 3 {
		n.AddInt(int64(i))
	}
	fr, err := frame.New(n)
	if err != nil {
		t.Fatal(err)
	}
	id, unshare := frame.ShareStream(fr, frame.Stream{Next: func() (*frame.Frame, error) { return nil, nil }})
	defer unshare()
	stuck := time.AfterFunc(time.Minute, func() { panic("TestStreamScannedTwice is stuck") })
	defer stuck.Stop()
	var count int64
	err = db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM elt_frame(%d) a JOIN elt_frame(%d) b USING (n)", id, id)).Scan(&count)
	if err == nil || !strings.Contains(err.Error(), "reads it twice") {
		t.Fatalf("%d rows, %v; want an error", count, err)
	}
}

// TestShareStreamOn: a stream shared on a connection is an Arrow view (when
// elt is built with Arrow) only for a statement that reads all of its
// columns and pushes no filter into its scan, and every statement reads the
// right values: DuckDB would read the wrong columns of an Arrow view a
// statement reads some of.
func TestShareStreamOn(t *testing.T) {
	ctx := context.Background()
	conn := memoryConn(t, 2)
	const rows = 3000
	a, b, c := frame.IntColumn("a", rows), frame.TextColumn("b", rows), frame.IntColumn("c", rows)
	for i := range rows {
		a.AddInt(int64(i))
		if i%7 == 0 {
			b.AddNull()
		} else {
			b.AddString(fmt.Sprintf("é%d", i%10))
		}
		c.AddInt(int64(10 * i))
	}
	fr, err := frame.New(a, b, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		arrow bool // an Arrow view when built with Arrow
		want  string
	}{
		{"SELECT sum(a), count(b), sum(c), max(b) FROM %s", true, "4498500 2571 44985000 é9"},
		{"SELECT sum(c), count(b), sum(a), min(b) FROM %s", true, "44985000 2571 4498500 é0"},
		{"SELECT sum(c) FROM %s", false, "44985000"},
		{"SELECT max(b), sum(c) FROM %s", false, "é9 44985000"},
		{"SELECT sum(a) FROM %s WHERE c >= 29990", false, "2999"},
		{"SELECT sum(a), count(b), sum(c) FROM %s WHERE c >= 29990", false, "2999 1 29990"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			s := frame.Stream{Next: func() (*frame.Frame, error) { return nil, nil }}
			rel, unshare, err := frame.ShareStreamOn(ctx, conn, fr, s, noDefine, func(rel string) (bool, error) {
				return frame.ReadsWhole(ctx, conn, fmt.Sprintf(tc.query, rel), fr)
			})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := unshare(); err != nil {
					t.Error(err)
				}
			}()
			if got := strings.HasPrefix(rel, "elt_arrow_"); got != (frame.Arrow && tc.arrow) {
				t.Errorf("shared as %s; built with Arrow: %t", rel, frame.Arrow)
			}
			r, err := conn.QueryContext(ctx, fmt.Sprintf(tc.query, rel))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			cols, _ := r.Columns()
			vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if !r.Next() {
				t.Fatal("no row")
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vals {
				got = append(got, fmt.Sprint(v))
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("%s = %s, want %s", rel, strings.Join(got, " "), tc.want)
			}
		})
	}
}

// TestStreamNotUTF8: a text value that is not UTF-8 reads as NULL, through
// elt_frame (DuckDB checks each value) and as Arrow (elt checks a batch's
// text, DuckDB does not), among values that are.
func TestStreamNotUTF8(t *testing.T) {
	ctx := context.Background()
	conn := memoryConn(t, 2)
	values := []string{"ok", "\xffbad", "é", "", "cut \xe2\x82", "€"}
	for _, null := range []bool{false, true} {
		a, b := frame.IntColumn("a", len(values)+1), frame.TextColumn("b", len(values)+1)
		for i, v := range values {
			a.AddInt(int64(i))
			b.AddString(v)
		}
		a.AddInt(int64(len(values)))
		if null {
			b.AddNull()
		} else {
			b.AddString("last")
		}
		fr, err := frame.New(a, b)
		if err != nil {
			t.Fatal(err)
		}
		want := "ok,é,,€,last"
		if null {
			want = "ok,é,,€"
		}
		q := "SELECT string_agg(b, ',' ORDER BY a), count(a) FROM %s"
		for _, on := range []bool{false, true} {
			rel, unshare := shareOne(t, conn, fr, q, on)
			var got string
			var n int
			err := conn.QueryRowContext(ctx, fmt.Sprintf(q, rel)).Scan(&got, &n)
			if uerr := unshare(); uerr != nil {
				t.Error(uerr)
			}
			if err != nil || got != want || n != len(values)+1 {
				t.Errorf("%s (a NULL last: %t): %q of %d rows (%v), want %q", rel, null, got, n, err, want)
			}
		}
	}
}

// shareOne shares frame fr for the one statement q (with %s for the
// relation that reads it): as an Arrow view on conn, or as elt_frame.
func shareOne(t *testing.T, conn *sql.Conn, fr *frame.Frame, q string, on bool) (rel string, unshare func() error) {
	t.Helper()
	if !on {
		id, stop := frame.Share(fr)
		return fmt.Sprintf("elt_frame(%d)", id), func() error { stop(); return nil }
	}
	ctx := context.Background()
	rel, unshare, err := frame.ShareStreamOn(ctx, conn, fr, frame.Stream{Next: func() (*frame.Frame, error) { return nil, nil }}, noDefine, func(rel string) (bool, error) {
		return frame.ReadsWhole(ctx, conn, fmt.Sprintf(q, rel), fr)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rel, unshare
}

// TestJSONColumn: a JSONColumn is JSON to DuckDB as Arrow, unchecked (a
// value that is not JSON reads back as it is, as VARCHAR), and VARCHAR
// through elt_frame, where a cast to JSON checks it; its JSON values cast
// to JSON the same both ways.
func TestJSONColumn(t *testing.T) {
	ctx := context.Background()
	conn := memoryConn(t, 2)
	values := []string{`{"a": [1, 2]}`, `not JSON`, `[ true ]`, `"s"`}
	a, j := frame.IntColumn("a", len(values)+1), frame.JSONColumn("j", len(values)+1)
	for i, v := range values {
		a.AddInt(int64(i))
		j.AddString(v)
	}
	a.AddInt(int64(len(values)))
	j.AddNull()
	fr, err := frame.New(a, j)
	if err != nil {
		t.Fatal(err)
	}
	q := "SELECT string_agg(j::VARCHAR, '|' ORDER BY a), any_value(typeof(j)), string_agg(CASE WHEN a <> 1 THEN j::JSON END::VARCHAR, '|' ORDER BY a) FROM %s"
	for _, on := range []bool{false, true} {
		rel, unshare := shareOne(t, conn, fr, q, on)
		var text, typ, json string
		err := conn.QueryRowContext(ctx, fmt.Sprintf(q, rel)).Scan(&text, &typ, &json)
		if uerr := unshare(); uerr != nil {
			t.Error(uerr)
		}
		wantType := "VARCHAR"
		if on && frame.Arrow {
			wantType = "JSON"
		}
		if err != nil || text != strings.Join(values, "|") || typ != wantType || json != `{"a": [1, 2]}|[ true ]|"s"` {
			t.Errorf("%s: %q, %s, JSON %q (%v); want %q, %s", rel, text, typ, json, err, strings.Join(values, "|"), wantType)
		}
	}
	// Through elt_frame, a cast to JSON checks the value.
	id, stop := frame.Share(fr)
	defer stop()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SELECT j::JSON FROM elt_frame(%d)", id)); err == nil {
		t.Error("elt_frame's JSON column cast to JSON whole: no error, want one for `not JSON`")
	}
}
