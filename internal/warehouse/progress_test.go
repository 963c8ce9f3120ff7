package warehouse

import (
	"context"
	"testing"
	"time"
)

// TestTrackProgress: while a statement runs on the connection, the reader
// gives DuckDB's estimate of how far it got, from another goroutine; with
// nothing running it gives -1.
func TestTrackProgress(t *testing.T) {
	ctx := context.Background()
	db := memoryDB(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE t AS SELECT range AS i FROM range(4000000)"); err != nil {
		t.Fatal(err)
	}
	percent, err := TrackProgress(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if p := percent(); p != -1 {
		t.Fatalf("nothing running: %v, want -1", p)
	}
	done := make(chan error)
	go func() {
		var n int64
		done <- conn.QueryRowContext(ctx, "SELECT count(DISTINCT md5(i::VARCHAR)) FROM t").Scan(&n)
	}()
	var seen []float64
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			running = false
		default:
			if p := percent(); p >= 0 && (len(seen) == 0 || p != seen[len(seen)-1]) {
				seen = append(seen, p)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if len(seen) == 0 || seen[len(seen)-1] == 0 {
		t.Fatalf("estimates while the statement ran: %v, want some above 0", seen)
	}
	for i, p := range seen {
		if p > 100 || (i > 0 && p < seen[i-1]) {
			t.Fatalf("estimates %v: each within 0-100 and never going back", seen)
		}
	}
	t.Logf("estimates: %v", seen)
	if p := percent(); p != -1 {
		t.Errorf("after the statement: %v, want -1", p)
	}
}

// memoryDB opens an in-memory database with elt's settings on two
// threads, closed when the test ends.
func memoryDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), "", Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
