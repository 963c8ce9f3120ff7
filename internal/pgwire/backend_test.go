package pgwire

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/warehouse"
)

// testBackend is a Backend over a real in-memory DuckDB: one connection
// per session, values made plain by warehouse.PlainRow, as serve's is.
type testBackend struct{ db *warehouse.DB }

func (b *testBackend) Open(ctx context.Context, startup map[string]string) (Session, error) {
	if startup["database"] == "refused" {
		return nil, &Error{Code: "3D000", Message: `database "refused" does not exist`}
	}
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &testSession{conn: conn}, nil
}

type testSession struct{ conn *sql.Conn }

// Statements splits naively at semicolons (the tests' texts have none in
// literals).
func (s *testSession) Statements(_ context.Context, text string) ([]string, error) {
	var out []string
	for _, q := range strings.Split(text, ";") {
		if strings.TrimSpace(q) != "" {
			out = append(out, q)
		}
	}
	return out, nil
}

func (s *testSession) Describe(ctx context.Context, query string) ([]string, []Column, error) {
	params, cols, err := warehouse.Describe(ctx, s.conn, query)
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column(c)
	}
	return params, out, err
}

func (s *testSession) Query(ctx context.Context, query string, args []any) (Rows, error) {
	if strings.Contains(query, "elt_test_panic") {
		panic("elt_test_panic asked for")
	}
	rows, err := s.conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		rows.Close()
		return nil, err
	}
	cols := make([]Column, len(types))
	for i, t := range types {
		cols[i] = Column{Name: t.Name(), Type: t.DatabaseTypeName()}
	}
	return &testRows{rows: rows, cols: cols}, nil
}

func (s *testSession) Begin(ctx context.Context) error {
	_, err := s.conn.ExecContext(ctx, "BEGIN TRANSACTION")
	return err
}

func (s *testSession) End(ctx context.Context, commit bool) error {
	q := "ROLLBACK"
	if commit {
		q = "COMMIT"
	}
	_, err := s.conn.ExecContext(ctx, q)
	return err
}

func (s *testSession) Close() error { return s.conn.Close() }

type testRows struct {
	rows *sql.Rows
	cols []Column
}

func (r *testRows) Columns() []Column { return r.cols }

func (r *testRows) Next(dest []any) error {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	ptrs := make([]any, len(dest))
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		return err
	}
	warehouse.PlainRow(dest)
	return nil
}

func (r *testRows) Close() error { return r.rows.Close() }

// testServer is a server running on a loopback port.
type testServer struct {
	*Server
	addr   string
	served chan struct{} // closed when Serve has returned, with its error in err
	err    error
}

// start runs a server with cfg over a fresh in-memory DuckDB holding a
// small table (and an ENUM type), until the test ends.
func start(t *testing.T, cfg Config) *testServer {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ExecContext(ctx, `CREATE TABLE t AS SELECT i AS a, 'n' || i AS c, DATE '2024-01-01' + i::INTEGER AS d,
		(i * 1.25)::DECIMAL(18,2) AS amount FROM range(1, 11) r(i);
		CREATE TYPE mood AS ENUM ('ok', 'sad')`); err != nil {
		t.Fatal(err)
	}
	if cfg.ServerVersion == "" {
		cfg.ServerVersion = "15.0"
	}
	if cfg.Log == nil {
		cfg.Log = t.Logf
	}
	ts := &testServer{Server: NewServer(cfg, &testBackend{db: db}), served: make(chan struct{})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	go func() {
		ts.err = ts.Serve(l)
		close(ts.served)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ts.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-ts.served
		if ts.err != nil {
			t.Errorf("Serve: %v", ts.err)
		}
	})
	return ts
}

// connect opens a pgx connection to addr with extra settings (key=value
// in the URL's query).
func connect(t *testing.T, addr, extra string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn(addr, extra))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func dsn(addr, extra string) string {
	s := fmt.Sprintf("postgres://alice@%s/wh?sslmode=disable&connect_timeout=5", addr)
	if extra != "" {
		s += "&" + extra
	}
	return s
}
