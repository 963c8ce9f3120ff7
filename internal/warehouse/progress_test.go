package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

// TestWithProgress: while a statement runs on the connection, the reader
// gives DuckDB's estimate of how far it got, from another goroutine; with
// nothing running it gives -1. The connection's handle is found (duckdb-go
// still keeps it where the reader looks).
func TestWithProgress(t *testing.T) {
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
	var seen []float64
	err = WithProgress(ctx, conn, func(percent func() float64) error {
		if p := percent(); p != -1 {
			t.Fatalf("nothing running: %v, want -1", p)
		}
		done := make(chan error)
		go func() {
			var n int64
			done <- conn.QueryRowContext(ctx, "SELECT count(DISTINCT md5(i::VARCHAR)) FROM t").Scan(&n)
		}()
		for {
			select {
			case err := <-done:
				if p := percent(); p != -1 {
					t.Errorf("after the statement: %v, want -1", p)
				}
				return err
			default:
				if p := percent(); p >= 0 && (len(seen) == 0 || p != seen[len(seen)-1]) {
					seen = append(seen, p)
				}
				time.Sleep(time.Millisecond)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
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
}

// TestWithProgressLifetime: the reader cannot outlive the callback. Kept
// past it, it says -1 while a statement runs on the connection, and after
// the connection is closed, without reading the handle; a reader polling
// from another goroutine while the callback returns sees no estimate after
// WithProgress has returned. WithProgress returns the callback's error, and
// one for a connection that is closed.
func TestWithProgressLifetime(t *testing.T) {
	ctx := context.Background()
	db := memoryDB(t)
	if _, err := db.ExecContext(ctx, "CREATE TABLE t AS SELECT range AS i FROM range(2000000)"); err != nil {
		t.Fatal(err)
	}
	slow := "SELECT count(DISTINCT md5(i::VARCHAR)) FROM t"
	for _, tc := range []struct {
		name string
		// after uses the reader kept past the callback, on conn.
		after func(t *testing.T, conn *sql.Conn, kept func() float64)
	}{
		{"while a statement runs", func(t *testing.T, conn *sql.Conn, kept func() float64) {
			done := make(chan error)
			go func() { _, err := conn.ExecContext(ctx, slow); done <- err }()
			for {
				select {
				case err := <-done:
					if err != nil {
						t.Fatal(err)
					}
					return
				default:
					if p := kept(); p != -1 {
						t.Fatalf("kept reader during a statement: %v, want -1", p)
					}
					time.Sleep(time.Millisecond)
				}
			}
		}},
		{"after the connection is closed", func(t *testing.T, conn *sql.Conn, kept func() float64) {
			conn.Close()
			if p := kept(); p != -1 {
				t.Fatalf("kept reader after close: %v, want -1", p)
			}
		}},
		{"polled while the callback returns", func(t *testing.T, conn *sql.Conn, kept func() float64) {
			if p := kept(); p != -1 {
				t.Fatalf("kept reader: %v, want -1", p)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var kept func() float64
			stop := make(chan struct{})
			polled := make(chan int)
			sentinel := errors.New("the callback's error")
			err = WithProgress(ctx, conn, func(percent func() float64) error {
				kept = percent
				go func() {
					n := 0
					for {
						select {
						case <-stop:
							polled <- n
							return
						default:
							percent()
							n++
						}
					}
				}()
				_, err := conn.ExecContext(ctx, slow)
				if err != nil {
					return err
				}
				return sentinel
			})
			if !errors.Is(err, sentinel) {
				t.Fatalf("WithProgress returned %v, want the callback's error", err)
			}
			if p := kept(); p != -1 {
				t.Fatalf("right after WithProgress: %v, want -1", p)
			}
			close(stop)
			if n := <-polled; n == 0 {
				t.Fatal("the polling goroutine never read")
			}
			tc.after(t, conn, kept)
		})
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	called := false
	if err := WithProgress(ctx, conn, func(func() float64) error { called = true; return nil }); err == nil || called {
		t.Errorf("on a closed connection: error %v, callback called %v; want an error and no call", err, called)
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
