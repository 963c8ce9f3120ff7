package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// A Rejected record is one a statement set aside with elt_reject: where it
// came from, why, and its raw text when the statement had it.
type Rejected struct {
	File   string
	Line   int64
	Reason string
	Raw    sql.NullString
}

// rejects holds, by id, the records statements set aside.
var (
	rejects    sync.Map // int64 → *rejectSink
	nextReject atomic.Int64
)

type rejectSink struct {
	mu   sync.Mutex
	rows []Rejected
	raw  func(file string, line int64) (string, bool)
}

// CollectRejects opens a collection that `elt_reject(id, file, line,
// reason, raw)` adds to, for a statement to route its rows two ways in one
// pass: `WHERE CASE WHEN reason IS NULL THEN true ELSE elt_reject(…) END`
// keeps the good rows and hands the others to Go. (A table of all rows with
// their reasons, made and dropped batch after batch, stays in memory until
// the build's transaction ends: DuckDB keeps what a transaction dropped for
// its rollback.) raw, when set, gives the raw text of a record given
// none, as it is rejected. taken returns what was collected; release closes it.
func CollectRejects(raw func(file string, line int64) (string, bool)) (id int64, taken func() []Rejected, release func()) {
	id = nextReject.Add(1)
	s := &rejectSink{raw: raw}
	rejects.Store(id, s)
	return id, func() []Rejected {
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.rows
		}, func() {
			rejects.Delete(id)
		}
}

// rejectFunc is elt_reject: it keeps a row whose reason is NULL (true) and
// sets aside any other (false). It is volatile, so DuckDB calls it for every
// row it is given and never folds it.
type rejectFunc struct{}

func (rejectFunc) Config() duckdb.ScalarFuncConfig {
	t := func(typ duckdb.Type) duckdb.TypeInfo {
		info, _ := duckdb.NewTypeInfo(typ)
		return info
	}
	return duckdb.ScalarFuncConfig{
		InputTypeInfos:      []duckdb.TypeInfo{t(duckdb.TYPE_BIGINT), t(duckdb.TYPE_VARCHAR), t(duckdb.TYPE_BIGINT), t(duckdb.TYPE_VARCHAR), t(duckdb.TYPE_VARCHAR)},
		ResultTypeInfo:      t(duckdb.TYPE_BOOLEAN),
		Volatile:            true,
		SpecialNullHandling: true, // a NULL raw (or reason) is a value here
	}
}

func (rejectFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(v []driver.Value) (any, error) {
		reason, ok := v[3].(string)
		if !ok {
			return true, nil
		}
		id, _ := v[0].(int64)
		s, found := rejects.Load(id)
		if !found {
			return nil, fmt.Errorf("elt_reject(%d): no such collection", id)
		}
		r := Rejected{Reason: reason}
		r.File, _ = v[1].(string)
		r.Line, _ = v[2].(int64)
		sink := s.(*rejectSink)
		if raw, ok := v[4].(string); ok {
			r.Raw = sql.NullString{String: raw, Valid: true}
		} else if sink.raw != nil {
			r.Raw.String, r.Raw.Valid = sink.raw(r.File, r.Line)
		}
		sink.mu.Lock()
		sink.rows = append(sink.rows, r)
		sink.mu.Unlock()
		return false, nil
	}}
}

// registerRejects creates the scalar function elt_reject in the database.
func registerRejects(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := duckdb.RegisterScalarUDF(conn, "elt_reject", &rejectFunc{}); err != nil {
		return fmt.Errorf("register elt_reject: %w", err)
	}
	return nil
}
