//go:build duckdb_arrow

package frame

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// TestArrowMemory: once a statement reading an Arrow view of a stream has
// ended, well, or by an error of Next's or of its own, and the view is
// unshared, every batch's C memory is freed, and the stream's Done has
// been told of every frame of a statement that ended well.
func TestArrowMemory(t *testing.T) {
	ctx := context.Background()
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	if err := Register(ctx, db); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	frames := make([]*Frame, 6)
	for i := range frames {
		n, s := IntColumn("n", 70000), TextColumn("s", 70000)
		for j := range 70000 {
			n.AddInt(int64(j))
			s.AddString(strings.Repeat("x", j%40))
		}
		if frames[i], err = New(n, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		fail int  // Next fails at this call; 0: never
		boom bool // the statement fails in its third frame
	}{{0, false}, {3, false}, {0, true}} {
		fail := tc.fail
		t.Run(fmt.Sprintf("Next fails at call %d, statement fails: %t", tc.fail, tc.boom), func(t *testing.T) {
			next, done := 1, 0
			s := Stream{
				Next: func() (*Frame, error) {
					if next == fail {
						return nil, errors.New("no next frame")
					}
					if next == len(frames) {
						return nil, nil
					}
					next++
					return frames[next-1], nil
				},
				Done: func(*Frame) { done++ },
			}
			q := "SELECT count(n), sum(length(s)) FROM %s"
			if tc.boom {
				q += " WHERE CASE WHEN n = 69999 AND length(s) = 39 THEN error('boom') ELSE true END"
			}
			rel, unshare, err := ShareStreamOn(ctx, conn, frames[0], s, noDefine, func(rel string) (bool, error) {
				return ReadsWhole(ctx, conn, fmt.Sprintf(q, rel), frames[0])
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(rel, "elt_arrow_") {
				t.Fatalf("shared as %s", rel)
			}
			var count, length int64
			err = conn.QueryRowContext(ctx, fmt.Sprintf(q, rel)).Scan(&count, &length)
			if uerr := unshare(); uerr != nil {
				t.Error(uerr)
			}
			if (err != nil) != (fail > 0 || tc.boom) {
				t.Fatalf("%v", err)
			}
			if fail == 0 && !tc.boom && (count != 6*70000 || done != 6) {
				t.Errorf("%d rows, %d frames done; want %d and 6", count, done, 6*70000)
			}
			if n := cMemory.AllocatedBytes(); n != 0 {
				t.Errorf("%d bytes of C memory still allocated", n)
			}
			var views int
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'elt_arrow_%'").Scan(&views); err != nil || views != 0 {
				t.Errorf("%d Arrow views left (%v)", views, err)
			}
		})
	}
}

// TestFit: a batch holds at most batchRows rows, and past its first row at
// most batchBytes of text over all its text columns.
func TestFit(t *testing.T) {
	defer func(r, b int) { batchRows, batchBytes = r, b }(batchRows, batchBytes)
	batchRows, batchBytes = 10, 100
	frameOf := func(widths ...int) *Frame {
		n, a, b := IntColumn("n", len(widths)), TextColumn("a", len(widths)), TextColumn("b", len(widths))
		for _, w := range widths {
			n.AddInt(int64(w))
			a.AddString(strings.Repeat("x", w))
			if w%2 == 0 {
				b.AddNull()
			} else {
				b.AddString("y")
			}
		}
		f, err := New(n, a, b)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, tc := range []struct {
		name   string
		widths []int
		from   int
		want   int
	}{
		{"narrow rows: batchRows", slices.Repeat([]int{2}, 25), 0, 10},
		{"the last rows", slices.Repeat([]int{2}, 25), 20, 5},
		{"wide rows: batchBytes", slices.Repeat([]int{30}, 25), 0, 3},
		{"text of both columns counts", slices.Repeat([]int{33}, 25), 0, 2},
		{"a row wider than batchBytes alone", []int{500, 1, 1}, 0, 1},
		{"then the rows after it", []int{500, 1, 1}, 1, 2},
		{"exactly batchBytes", []int{50, 50, 1}, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fit(frameOf(tc.widths...), tc.from); got != tc.want {
				t.Errorf("fit = %d, want %d", got, tc.want)
			}
		})
	}
}

// noDefine is ShareStreamOn's define for a statement that reads the
// relation itself.
func noDefine(string) error { return nil }
