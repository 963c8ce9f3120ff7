package serve

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/digitalservices/elt/internal/pgcatalog"
	"github.com/digitalservices/elt/internal/pgwire"
	"github.com/digitalservices/elt/internal/query"
	"github.com/digitalservices/elt/internal/warehouse"
	"github.com/digitalservices/elt/internal/warehouse/stmt"
)

// backend answers PostgreSQL clients from the warehouse the builds write:
// each client has a connection of its own, and each statement runs in a
// read-only transaction of it, so that it sees one published build whole
// (DuckDB gives a transaction the state committed when it began) and can
// write nothing, whatever the gate let through.
type backend struct {
	db      *warehouse.DB
	slots   chan struct{} // one per statement allowed to run at once (serve.max_queries)
	maxRows int64         // serve.max_rows

	mu       sync.Mutex
	admitted map[string]string // statements the gate let through, as they run
}

// maxCached bounds each cache: statements admitted (all clients'), and
// statements prepared (one client's); a full one starts again empty.
const maxCached = 1024

// Open gives a client its connection.
func (b *backend) Open(ctx context.Context, _ map[string]string) (pgwire.Session, error) {
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &session{b: b, conn: conn, prepared: map[string]*sql.Stmt{}}, nil
}

// session is one client's connection. Outside a BEGIN each statement is
// its own read-only transaction; between BEGIN and COMMIT the statements
// share one, and so one snapshot.
type session struct {
	b        *backend
	conn     *sql.Conn
	tx       bool                 // in a transaction the client began
	prepared map[string]*sql.Stmt // statements prepared on conn, by text
}

// Statements separates a simple query's text as DuckDB's parser does; a
// client's catalog query, written in PostgreSQL's syntax, is one.
func (s *session) Statements(_ context.Context, text string) ([]string, error) {
	s.b.mu.Lock()
	_, admitted := s.b.admitted[text]
	s.b.mu.Unlock()
	if admitted {
		return []string{text}, nil // the gate let it through as one statement
	}
	if _, ok := pgcatalog.Rewrite(text); ok {
		return []string{text}, nil
	}
	stmts, err := warehouse.Statements(text)
	if err != nil {
		return nil, pgError(text, err)
	}
	out := make([]string, len(stmts))
	for i, st := range stmts {
		out[i] = st.SQL
	}
	return out, nil
}

// Describe names the parameters' and the result's types without running
// the statement.
func (s *session) Describe(ctx context.Context, text string) ([]string, []pgwire.Column, error) {
	q, err := s.admit(ctx, text)
	if err != nil {
		return nil, nil, err
	}
	params, cols, err := stmt.Describe(ctx, s.conn, q)
	if err != nil {
		return nil, nil, pgError(q, err)
	}
	out := make([]pgwire.Column, len(cols))
	for i, c := range cols {
		out[i] = pgwire.Column{Name: c.Name, Type: c.Type}
	}
	return params, out, nil
}

// Query runs one statement through the gate, in a read-only transaction,
// once a slot is free.
func (s *session) Query(ctx context.Context, text string, args []any) (pgwire.Rows, error) {
	q, err := s.admit(ctx, text)
	if err != nil {
		return nil, err
	}
	select {
	case s.b.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, pgError("", ctx.Err())
	}
	release := func() { <-s.b.slots }
	own := !s.tx
	if own {
		if err := s.exec(ctx, "BEGIN TRANSACTION READ ONLY"); err != nil {
			release()
			return nil, pgError("", err)
		}
	}
	end := func() {
		if own {
			s.exec(context.WithoutCancel(ctx), "COMMIT")
		}
		release()
	}
	st, err := s.prepare(ctx, q)
	if err != nil {
		end()
		return nil, pgError(q, err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		end()
		return nil, pgError(q, err)
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		rows.Close()
		end()
		return nil, pgError("", err)
	}
	cols := make([]pgwire.Column, len(types))
	for i, t := range types {
		cols[i] = pgwire.Column{Name: t.Name(), Type: t.DatabaseTypeName()}
	}
	return &result{rows: rows, cols: cols, end: end}, nil
}

// Begin starts the client's transaction: read-only, one snapshot.
func (s *session) Begin(ctx context.Context) error {
	if s.tx {
		return nil // PostgreSQL warns and goes on
	}
	if err := s.exec(ctx, "BEGIN TRANSACTION READ ONLY"); err != nil {
		return pgError("", err)
	}
	s.tx = true
	return nil
}

// End ends the client's transaction; nothing was written either way.
func (s *session) End(ctx context.Context, commit bool) error {
	if !s.tx {
		return nil
	}
	s.tx = false
	stmt := "ROLLBACK"
	if commit {
		stmt = "COMMIT"
	}
	if err := s.exec(ctx, stmt); err != nil {
		return pgError("", err)
	}
	return nil
}

// prepare is the statement text prepared on the client's connection,
// once: DuckDB binds it again by itself when a build has changed what it
// reads.
func (s *session) prepare(ctx context.Context, text string) (*sql.Stmt, error) {
	if st, ok := s.prepared[text]; ok {
		return st, nil
	}
	if len(s.prepared) >= maxCached {
		s.closePrepared()
	}
	st, err := s.conn.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	s.prepared[text] = st
	return st, nil
}

// exec runs a statement of the session's own (BEGIN, COMMIT), prepared once.
func (s *session) exec(ctx context.Context, text string) error {
	st, err := s.prepare(ctx, text)
	if err == nil {
		_, err = st.ExecContext(ctx)
	}
	return err
}

// closePrepared closes the statements prepared on the connection.
func (s *session) closePrepared() {
	for text, st := range s.prepared {
		st.Close()
		delete(s.prepared, text)
	}
}

// Close gives the connection back, its transaction rolled back.
func (s *session) Close() error {
	if s.tx {
		s.exec(context.Background(), "ROLLBACK")
	}
	s.closePrepared()
	return s.conn.Close()
}

// admit is the statement a client sent as it runs: a catalog query of a
// PostgreSQL client translated for DuckDB (pgcatalog), then judged by elt
// query's gate (one read-only query), and refused when it calls a table
// function that acts rather than reads.
func (s *session) admit(ctx context.Context, text string) (string, error) {
	s.b.mu.Lock()
	q, ok := s.b.admitted[text]
	s.b.mu.Unlock()
	if ok {
		return q, nil // the gate's verdict depends on the text alone
	}
	q = text
	if r, ok := pgcatalog.Rewrite(text); ok {
		q = r
	}
	tree, err := query.Allowed(ctx, s.conn, q)
	if err != nil {
		return "", pgError(q, err)
	}
	if calls := actingCalls(tree); len(calls) > 0 {
		return "", &pgwire.Error{Code: "25006", Message: fmt.Sprintf("elt serve is read-only and runs only table functions that read; %s is not one of them", strings.Join(calls, ", ")),
			Hint: "read tables with SELECT, files under the project with read_csv, read_json or read_parquet"}
	}
	q = s.b.capped(ctx, s.conn, q)
	s.b.mu.Lock()
	if len(s.b.admitted) >= maxCached {
		s.b.admitted = nil
	}
	if s.b.admitted == nil {
		s.b.admitted = map[string]string{}
	}
	s.b.admitted[text] = q
	s.b.mu.Unlock()
	return q, nil
}

// capped is a query whose result DuckDB builds whole before the first row
// is sent (duckdb-go reads results materialized), read no further than
// one row past serve.max_rows, so that a result too large is refused
// (54000) with no more than that built, in memory or time; order and
// LIMIT of the query are kept. A statement that cannot stand in a
// subquery runs as it is.
func (b *backend) capped(ctx context.Context, conn *sql.Conn, q string) string {
	if b.maxRows <= 0 || explainRe.MatchString(q) {
		return q
	}
	body := strings.TrimRight(q, " \t\r\n;")
	wrapped := fmt.Sprintf("SELECT * FROM (%s\n) LIMIT %d", body, b.maxRows+1)
	if _, err := warehouse.SelectTree(ctx, conn, wrapped); err != nil {
		return q
	}
	return wrapped
}

var explainRe = regexp.MustCompile(`(?i)^\s*EXPLAIN\b`)

// result streams a statement's rows, made plain, and ends its
// transaction when closed.
type result struct {
	rows *sql.Rows
	cols []pgwire.Column
	end  func()
	ptrs []any
}

func (r *result) Columns() []pgwire.Column { return r.cols }

func (r *result) Next(dest []any) error {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return pgError("", err)
		}
		return io.EOF
	}
	if r.ptrs == nil {
		r.ptrs = make([]any, len(dest))
	}
	for i := range dest {
		r.ptrs[i] = &dest[i]
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		return pgError("", err)
	}
	warehouse.PlainRow(dest)
	return nil
}

func (r *result) Close() error {
	err := r.rows.Close()
	if r.end != nil {
		r.end()
		r.end = nil
	}
	return err
}

// pgError is err as a PostgreSQL client reads it: its SQLSTATE from what
// went wrong (DuckDB's error type, the gate's refusal), its position
// where DuckDB names one.
func pgError(text string, err error) error {
	if err == nil {
		return nil
	}
	if pe, ok := errors.AsType[*pgwire.Error](err); ok {
		return pe
	}
	var ro *query.ReadOnlyError
	switch {
	case errors.As(err, &ro):
		return &pgwire.Error{Code: "25006", Message: strings.Replace(ro.Error(), "elt query is read-only", "elt serve is read-only", 1)}
	case errors.Is(err, query.ErrSeveralStatements), errors.Is(err, query.ErrPivotValues):
		return &pgwire.Error{Code: "0A000", Message: strings.Replace(err.Error(), "elt query", "elt serve", 1)}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &pgwire.Error{Code: "57014", Message: "canceling statement: " + err.Error()}
	}
	qe := warehouse.AsQueryError(err)
	code, ok := sqlstates[qe.Kind]
	if !ok {
		return &pgwire.Error{Code: "XX000", Message: err.Error()}
	}
	return &pgwire.Error{Code: code, Message: qe.Msg, Position: position(text, qe.Line, qe.Col)}
}

// position is the 1-based character offset in text of a 1-based line and
// column (0: nowhere, or not in text).
func position(text string, line, col int) int {
	if line < 1 || col < 1 {
		return 0
	}
	lines := strings.SplitAfter(text, "\n")
	if line > len(lines) {
		return 0
	}
	return utf8.RuneCountInString(strings.Join(lines[:line-1], "")) + col
}

// sqlstates are the SQLSTATEs of DuckDB's error types, as PostgreSQL
// would report the same mistake.
var sqlstates = map[string]string{
	"Parser Error": "42601", "Syntax Error": "42601", "Catalog Error": "42P01", "Binder Error": "42703",
	"Conversion Error": "22P02", "Invalid Input Error": "22P02", "Out of Range Error": "22003",
	"Divide by Zero Error": "22012", "Out of Memory Error": "53200", "Interrupt Error": "57014",
	"Permission Error": "42501", "TransactionContext Error": "25006", "Not implemented Error": "0A000",
	"Constraint Error": "23000", "Mismatch Type Error": "42804", "Invalid type Error": "42804",
}
