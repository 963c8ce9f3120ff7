// Package pgwire answers PostgreSQL clients (psql, pgx, psycopg, BI tools)
// over the PostgreSQL wire protocol (3.0) for `elt serve`: the startup and
// its authentication (SCRAM-SHA-256 or none), TLS, the simple and the
// extended query protocols, transaction control, the client parameters a
// driver sets, cancellation, DuckDB's types as PostgreSQL's (text and
// binary), and the server's limits. What a statement does is left to a
// Backend (the warehouse behind a read-only gate, in package serve); the
// messages are pgx's pgproto3, the values pgx's pgtype.
package pgwire

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"net"
	"sync"
	"time"

	"github.com/digitalservices/elt/internal/pgwire/login"
	"github.com/digitalservices/elt/internal/pgwire/pgvalue"
)

// Config is what a server allows and says about itself.
type Config struct {
	// Password is the one password clients log in with, by SCRAM-SHA-256;
	// "" lets any client in without one (trust). A wrong password is FATAL
	// 28P01.
	Password string
	// TLS, when set, is offered to a client that asks (SSLRequest); nil
	// answers 'N' and the client goes on in the clear or gives up.
	TLS *tls.Config
	// MaxConnections is the most clients connected at once (0: no limit);
	// the one over is refused with FATAL 53300.
	MaxConnections int
	// StatementTimeout cancels a statement running longer (0: none), with
	// ERROR 57014.
	StatementTimeout time.Duration
	// IdleInTransaction ends the connection of a client that has begun a
	// transaction and sent nothing for that long (0: never), with FATAL
	// 25P03, as PostgreSQL's idle_in_transaction_session_timeout does: an
	// open transaction keeps the state it began with, and the database
	// cannot fold what builds wrote into its file meanwhile.
	IdleInTransaction time.Duration
	// MaxRows is the most rows one result may have (0: no limit); a result
	// with more is ERROR 54000, never a partial result sent as whole.
	MaxRows int64
	// ServerVersion is the server_version reported to clients ("15.0").
	ServerVersion string
	// Observe, when set, is called after each statement, from the client's
	// goroutine.
	Observe func(Query)
	// Log, when set, receives what the server has to say that no client
	// hears (a recovered panic, a failed handshake); nil uses log.Printf.
	Log func(format string, args ...any)
}

// Query is one statement a client ran, as Config.Observe is told of it.
type Query struct {
	SQL      string
	Duration time.Duration
	Rows     int64
	Err      error
}

// Backend opens the sessions clients run their statements in.
type Backend interface {
	// Open starts a client's session; startup holds the startup message's
	// parameters (user, database, application_name ...).
	Open(ctx context.Context, startup map[string]string) (Session, error)
}

// Session is one client's connection to the database.
type Session interface {
	// Statements splits a simple Query message's text into statements.
	Statements(ctx context.Context, text string) ([]string, error)
	// Describe says, without running query, DuckDB's type names of its
	// parameters $1..$n ("UNKNOWN" where it cannot tell) and of its result
	// columns.
	Describe(ctx context.Context, query string) (params []string, cols []Column, err error)
	// Query runs query with args ($1..$n) and returns its rows.
	Query(ctx context.Context, query string, args []any) (Rows, error)
	// Begin starts a transaction (BEGIN, START TRANSACTION ...).
	Begin(ctx context.Context) error
	// End commits (COMMIT, END) or rolls back (ROLLBACK, ABORT) the
	// transaction Begin started.
	End(ctx context.Context, commit bool) error
	// Close ends the session; the client is gone.
	Close() error
}

// Column is a result column: its name and DuckDB's name of its type
// (INTEGER, DECIMAL(18,2), TIMESTAMPTZ, INTEGER[], STRUCT(a INTEGER) ...).
type Column = pgvalue.Column

// Rows is a result read row by row.
type Rows interface {
	// Columns are the result's columns.
	Columns() []Column
	// Next fills dest (one value per column) with the next row, or returns
	// io.EOF after the last one. Values are nil, bool, the sized integers,
	// float32/64, string, []byte, time.Time, *big.Int, values with
	// DecimalParts() or IntervalParts() or Keys() and Values(), []any and
	// map[string]any.
	Next(dest []any) error
	// Close releases the result, read to its end or not.
	Close() error
}

// Error is a PostgreSQL error: a Session returns one to choose the
// SQLSTATE and the fields the client sees; any other error is sent as
// XX000 with its text.
type Error struct {
	Code, Message, Detail, Hint string
	// Position is the 1-based character of the statement the error is at
	// (0: none).
	Position int
}

// Error is the message.
func (e *Error) Error() string { return e.Message }

// Server answers PostgreSQL clients on the listeners given to Serve.
type Server struct {
	cfg     Config
	backend Backend
	creds   login.Credentials

	ctx    context.Context // ends when Shutdown gives up waiting: running statements are cancelled
	cancel context.CancelCauseFunc

	mu        sync.Mutex
	listeners map[net.Listener]bool
	conns     map[*conn]bool
	arriving  map[net.Conn]bool // connections still in their startup or authentication
	keys      map[uint32]*conn
	nextPID   uint32
	closing   bool
	wg        sync.WaitGroup
}

var (
	errShutdown = &Error{Code: "57P01", Message: "terminating connection: elt serve is stopping"}
	errCanceled = &Error{Code: "57014", Message: "canceling statement due to user request"}
)

// NewServer returns a server for clients of b, configured by cfg.
func NewServer(cfg Config, b Backend) *Server {
	s := &Server{cfg: cfg, backend: b,
		listeners: map[net.Listener]bool{}, conns: map[*conn]bool{}, keys: map[uint32]*conn{},
		arriving: map[net.Conn]bool{}}
	s.ctx, s.cancel = context.WithCancelCause(context.Background())
	if cfg.Password != "" {
		s.creds = login.Derive(cfg.Password)
	}
	if s.cfg.Log == nil {
		s.cfg.Log = log.Printf
	}
	return s
}

// Serve accepts clients on l, each in its own goroutine, until Shutdown
// or Close; it returns nil then, or the listener's error.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return l.Close()
	}
	s.listeners[l] = true
	s.mu.Unlock()
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			delete(s.listeners, l)
			s.mu.Unlock()
			if closing {
				return nil
			}
			return err
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			nc.Close()
			continue
		}
		s.wg.Add(1)
		s.arriving[nc] = true
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.handle(nc)
		}()
	}
}

// Shutdown stops accepting clients, lets the statements running finish
// until ctx ends (then cancels them), closes every client's connection
// with FATAL 57P01 once its statement is done, and returns when all are
// gone (ctx's error if it ended first).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for l := range s.listeners {
		l.Close()
	}
	for nc := range s.arriving {
		nc.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.stop(false)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.cancel(errShutdown)
	s.mu.Lock()
	for c := range s.conns {
		go c.stop(true)
	}
	s.mu.Unlock()
	select {
	case <-done:
	case <-time.After(5 * time.Second): // a client that does not read what it is sent holds its goroutine in a write
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		<-done
	}
	return ctx.Err()
}

// Close shuts the server down without waiting for running statements.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	return nil
}

// Connections is the number of clients connected now.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// admit registers c, or says why it may not connect.
func (s *Server) admit(c *conn) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return errShutdown
	}
	if max := s.cfg.MaxConnections; max > 0 && len(s.conns) >= max {
		return &Error{Code: "53300", Message: fmt.Sprintf("sorry, too many clients already (serve.max_connections: %d)", max),
			Hint: "Try again later, or raise serve.max_connections."}
	}
	s.conns[c] = true
	for {
		s.nextPID++
		if _, taken := s.keys[s.nextPID]; !taken && s.nextPID != 0 {
			break
		}
	}
	c.pid = s.nextPID
	s.keys[c.pid] = c
	return nil
}

// arrived says a connection is past its startup and authentication.
func (s *Server) arrived(nc net.Conn) {
	s.mu.Lock()
	delete(s.arriving, nc)
	s.mu.Unlock()
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if s.keys[c.pid] == c {
		delete(s.keys, c.pid)
	}
}

// cancelRequest cancels the statement running on the connection the key
// names, if it is right.
func (s *Server) cancelRequest(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.keys[pid]
	s.mu.Unlock()
	if c != nil {
		c.cancelRunning(secret)
	}
}
