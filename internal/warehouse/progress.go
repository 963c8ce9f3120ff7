package warehouse

import (
	"context"
	"database/sql"
	"reflect"
	"sync"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// WithProgress turns on DuckDB's progress estimate for the statements run
// on conn (not its printed bar) and calls fn with how to read it: the
// percentage done of the statement running now, or -1 when none is running
// or DuckDB cannot estimate its plan (a scan of elt_frame, whose size DuckDB
// does not know, is one). fn runs its statements on conn and must not close
// it; the reader may be called from any goroutine while fn runs, which is
// what it is for: DuckDB keeps the estimate in three atomics of the
// connection's client context, read without its lock.
//
// The reader holds the connection's C handle, so it is valid only inside
// fn: once fn has returned (and any read under way has finished) it says
// -1 without touching the handle, whoever still holds it, and conn may be
// closed.
//
// duckdb-go binds duckdb_query_progress (mapping.QueryProgress) but keeps a
// connection's C handle in an unexported field of duckdb.Conn, and offers no
// method for it. This is the one place elt reads a duckdb-go field by
// reflection, and only when the field has exactly the binding's type: with
// another driver version it is not found, and the reader says -1 (no
// percentage shown) rather than guess (TestWithProgress fails then). A
// public method of duckdb-go's connection, such as
// `func (*duckdb.Conn) QueryProgress() (percentage float64, rows, total uint64)`
// called through conn.Raw, would replace it (no duckdb-go issue asks for one
// yet; duckdb-rs has Connection::query_progress in its pull request #850,
// duckdb-java getQueryProgress in #214).
func WithProgress(ctx context.Context, conn *sql.Conn, fn func(progress func() float64) error) error {
	for _, s := range []string{"SET enable_progress_bar = true", "SET enable_progress_bar_print = false"} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	var handle mapping.Connection
	err := conn.Raw(func(dc any) error {
		if c, ok := dc.(*duckdb.Conn); ok {
			handle = connHandle(c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	r := &progressReader{handle: handle}
	defer r.stop()
	return fn(r.read)
}

// connHandle is the C handle of a duckdb-go connection, read from its
// unexported field conn when that field has the binding's type; the zero
// handle otherwise.
func connHandle(c *duckdb.Conn) mapping.Connection {
	f := reflect.ValueOf(c).Elem().FieldByName("conn")
	if !f.IsValid() || f.Type() != reflect.TypeOf(mapping.Connection{}) {
		return mapping.Connection{}
	}
	return *(*mapping.Connection)(unsafe.Pointer(f.UnsafeAddr()))
}

// A progressReader reads a connection's progress until stopped; a read and
// the stop exclude each other, so no read is under way once stop returns.
type progressReader struct {
	mu      sync.RWMutex
	handle  mapping.Connection
	stopped bool
}

func (r *progressReader) read() float64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.stopped || r.handle.Ptr == nil {
		return -1
	}
	p := mapping.QueryProgress(r.handle)
	pct, _, _ := mapping.QueryProgressTypeMembers(&p)
	if pct < 0 {
		return -1
	}
	return min(pct, 100)
}

func (r *progressReader) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	r.handle = mapping.Connection{}
}
