package warehouse

import (
	"context"
	"database/sql"
	"reflect"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// TrackProgress turns on DuckDB's progress estimate for the statements run
// on conn (not its printed bar) and returns how to read it: the percentage
// done of the statement running now, or -1 when none is running or DuckDB
// cannot estimate its plan (a scan of elt_frame, whose size DuckDB does not
// know, is one). The reader may be called from any goroutine while conn is
// open, which is what it is for: DuckDB keeps the estimate in three atomics
// of the connection's client context, read without its lock.
//
// duckdb-go binds duckdb_query_progress but keeps a connection's C handle
// in an unexported field, so the handle is read by reflection, and only
// when that field has exactly the binding's type; with another driver
// version it is not found, and the reader says -1 (no percentage shown)
// rather than guess (TestTrackProgress fails then).
func TrackProgress(ctx context.Context, conn *sql.Conn) (func() float64, error) {
	for _, s := range []string{"SET enable_progress_bar = true", "SET enable_progress_bar_print = false"} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return nil, err
		}
	}
	var handle mapping.Connection
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return nil
		}
		f := reflect.ValueOf(c).Elem().FieldByName("conn")
		if f.IsValid() && f.Type() == reflect.TypeOf(mapping.Connection{}) {
			handle = *(*mapping.Connection)(unsafe.Pointer(f.UnsafeAddr()))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if handle.Ptr == nil {
		return func() float64 { return -1 }, nil
	}
	return func() float64 {
		p := mapping.QueryProgress(handle)
		pct, _, _ := mapping.QueryProgressTypeMembers(&p)
		if pct < 0 {
			return -1
		}
		return min(pct, 100)
	}, nil
}
