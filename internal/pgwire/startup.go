package pgwire

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/digitalservices/elt/internal/pgwire/login"
)

// conn is one client's connection and its state.
type conn struct {
	s      *Server
	nc     net.Conn
	be     *pgproto3.Backend
	sess   Session
	pid    uint32
	secret []byte
	user   string

	params   map[string]string // the client parameters pgwire keeps (SET application_name ...)
	tx       byte              // 'I' idle, 'T' in a transaction, 'E' in a failed one
	stmts    map[string]*prepared
	portals  map[string]*portal
	skipping bool        // an error in the extended protocol: skip to Sync
	types    *pgtype.Map // one per connection: a Map is not safe for concurrent use

	mu       sync.Mutex
	reading  bool // waiting for the client's next message
	ready    bool // ... after ReadyForQuery
	stopping bool // Shutdown: close once the statement running is done
	closed   bool
	running  context.CancelCauseFunc
}

// handle serves one client from its first byte to its last.
func (s *Server) handle(nc net.Conn) {
	c := &conn{s: s, nc: nc, tx: 'I', stmts: map[string]*prepared{}, portals: map[string]*portal{}, types: pgtype.NewMap(),
		secret: make([]byte, 4)}
	_, _ = rand.Read(c.secret)
	defer func() { c.nc.Close() }()
	defer s.arrived(nc)
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Log("pgwire: a client's connection failed: %v\n%s", r, debug.Stack())
			c.fatal(&Error{Code: "XX000", Message: fmt.Sprintf("internal error: %v", r)})
		}
	}()
	startup, ok := c.startup()
	if !ok {
		return
	}
	if e := s.admit(c); e != nil {
		c.fatal(e)
		return
	}
	defer s.forget(c)
	if !c.authenticate() {
		return
	}
	c.be.SetMaxBodyLen(maxMessage)
	s.arrived(nc)
	sess, err := s.backend.Open(s.ctx, startup)
	if err != nil {
		c.fatal(toError(err))
		return
	}
	c.sess = sess
	defer func() {
		for _, p := range c.portals {
			p.close()
		}
		sess.Close()
	}()
	c.params = map[string]string{"application_name": startup["application_name"]}
	for _, p := range [][2]string{{"server_version", s.cfg.ServerVersion}, {"server_encoding", "UTF8"},
		{"client_encoding", "UTF8"}, {"DateStyle", "ISO, MDY"}, {"TimeZone", "UTC"}, {"integer_datetimes", "on"},
		{"standard_conforming_strings", "on"}, {"IntervalStyle", "postgres"}, {"is_superuser", "off"},
		{"session_authorization", c.user}, {"application_name", startup["application_name"]}} {
		c.be.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
	}
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret})
	c.serve()
}

// The largest message a client may send before it has logged in (the
// startup and SCRAM messages are far smaller), and after: a statement and
// its parameters. A larger one ends the connection before it is read.
const (
	maxLoginMessage = 64 << 10
	maxMessage      = 64 << 20
)

// startup reads the startup message, after TLS if the client asks for it,
// and answers a CancelRequest.
func (c *conn) startup() (map[string]string, bool) {
	c.be = pgproto3.NewBackend(c.nc, c.nc)
	c.be.SetMaxBodyLen(maxLoginMessage)
	c.nc.SetDeadline(time.Now().Add(time.Minute))
	defer c.nc.SetDeadline(time.Time{})
	tlsDone := false
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return nil, false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if c.s.cfg.TLS == nil || tlsDone {
				if _, err := c.nc.Write([]byte{'N'}); err != nil {
					return nil, false
				}
				continue
			}
			if _, err := c.nc.Write([]byte{'S'}); err != nil {
				return nil, false
			}
			tc := tls.Server(c.nc, c.s.cfg.TLS)
			if err := tc.Handshake(); err != nil {
				c.s.cfg.Log("pgwire: TLS handshake with %s failed: %v", c.nc.RemoteAddr(), err)
				return nil, false
			}
			c.nc, tlsDone = tc, true
			c.be = pgproto3.NewBackend(c.nc, c.nc)
			c.be.SetMaxBodyLen(maxLoginMessage)
		case *pgproto3.GSSEncRequest:
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return nil, false
			}
		case *pgproto3.CancelRequest:
			c.s.cancelRequest(m.ProcessID, m.SecretKey)
			return nil, false
		case *pgproto3.StartupMessage:
			if m.ProtocolVersion != pgproto3.ProtocolVersion30 {
				c.be.Send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0})
			}
			c.user = m.Parameters["user"]
			params := make(map[string]string, len(m.Parameters))
			for k, v := range m.Parameters {
				params[k] = v
			}
			return params, true
		default:
			return nil, false
		}
	}
}

// authenticate runs SCRAM-SHA-256 when the server has a password, and
// says AuthenticationOk.
func (c *conn) authenticate() bool {
	if c.s.cfg.Password != "" && !c.login() {
		c.fatal(&Error{Code: "28P01", Message: fmt.Sprintf("password authentication failed for user %q", c.user)})
		return false
	}
	c.be.Send(&pgproto3.AuthenticationOk{})
	return true
}

// login runs SCRAM-SHA-256's exchange, a minute at most.
func (c *conn) login() bool {
	c.nc.SetDeadline(time.Now().Add(time.Minute))
	defer c.nc.SetDeadline(time.Time{})
	return login.SCRAM(c.be, c.s.creds)
}

// serve reads the client's messages until it leaves or the server stops.
func (c *conn) serve() {
	c.readyForQuery()
	for {
		msg, ok := c.receive()
		if !ok {
			return
		}
		if _, bye := msg.(*pgproto3.Terminate); bye {
			return
		}
		c.dispatch(msg)
		if c.isClosed() {
			return
		}
	}
}

// dispatch handles one message, turning a panic into an error to this
// client alone.
func (c *conn) dispatch(msg pgproto3.FrontendMessage) {
	defer func() {
		if r := recover(); r != nil {
			c.s.cfg.Log("pgwire: a statement failed: %v\n%s", r, debug.Stack())
			c.fail(nil, &Error{Code: "XX000", Message: fmt.Sprintf("internal error: %v", r)})
			if _, simple := msg.(*pgproto3.Query); simple {
				c.readyForQuery()
			} else {
				c.skipping = true
			}
		}
	}()
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.simpleQuery(m.String)
		c.readyForQuery()
	default:
		c.extended(msg)
	}
}

// receive waits for the next message; Shutdown may close the connection
// meanwhile.
func (c *conn) receive() (pgproto3.FrontendMessage, bool) {
	if err := c.be.Flush(); err != nil {
		return nil, false
	}
	c.mu.Lock()
	if c.stopping && c.ready {
		c.mu.Unlock()
		c.fatal(errShutdown)
		return nil, false
	}
	c.reading = true
	c.mu.Unlock()
	idle := c.tx != 'I' && c.s.cfg.IdleInTransaction > 0
	if idle {
		c.nc.SetReadDeadline(time.Now().Add(c.s.cfg.IdleInTransaction))
	}
	msg, err := c.be.Receive()
	if idle {
		c.nc.SetReadDeadline(time.Time{})
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			c.mu.Lock()
			c.reading = false
			c.mu.Unlock()
			c.fatal(&Error{Code: "25P03", Message: fmt.Sprintf("terminating connection due to idle-in-transaction timeout (%s): COMMIT or ROLLBACK sooner", c.s.cfg.IdleInTransaction)})
			return nil, false
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading, c.ready = false, false
	if err != nil || c.closed {
		return nil, false
	}
	return msg, true
}

func (c *conn) readyForQuery() {
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
	c.mu.Lock()
	c.ready = true
	c.mu.Unlock()
}

// stop closes the connection if it is waiting between statements (or,
// when now, waiting at all), and otherwise has it close once its
// statement is done.
func (c *conn) stop(now bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopping = true
	if c.reading && (c.ready || now) && !c.closed {
		c.closed = true
		c.be.Send(errorResponse("FATAL", errShutdown))
		_ = c.be.Flush()
		c.nc.Close()
	}
}

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// fatal sends a FATAL error; the connection is closed after it.
func (c *conn) fatal(e *Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	c.be.Send(errorResponse("FATAL", e))
	_ = c.be.Flush()
}

// cancelRunning cancels the running statement when secret is the
// connection's.
func (c *conn) cancelRunning(secret []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.secret != nil && subtle.ConstantTimeCompare(secret, c.secret) == 1 && c.running != nil {
		c.running(errCanceled)
	}
}

// statementContext is the context a statement runs in: cancelled by the
// server's shutdown, the statement timeout or (through cancel, which
// setRunning hands to a CancelRequest) the client, each with its own
// error as the cause. stop releases it.
func (c *conn) statementContext() (ctx context.Context, cancel context.CancelCauseFunc, stop func()) {
	ctx, cancel = context.WithCancelCause(c.s.ctx)
	stop = func() { cancel(context.Canceled) }
	if t := c.s.cfg.StatementTimeout; t > 0 {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeoutCause(ctx, t, &Error{Code: "57014",
			Message: fmt.Sprintf("canceling statement due to statement timeout (serve.statement_timeout: %s)", t)})
		stop = func() { cancelT(); cancel(context.Canceled) }
	}
	return ctx, cancel, stop
}

// setRunning says which statement a CancelRequest cancels (nil: none).
func (c *conn) setRunning(cancel context.CancelCauseFunc) {
	c.mu.Lock()
	c.running = cancel
	c.mu.Unlock()
}

// toError is err as the client is told it: the cause of a cancelled
// statement, a Session's *Error, or XX000.
func toError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Code: "08006", Message: err.Error()}
	}
	return &Error{Code: "XX000", Message: err.Error()}
}

// errorOf is the error a statement run in ctx failed with.
func errorOf(ctx context.Context, err error) *Error {
	if ctx != nil && ctx.Err() != nil {
		var e *Error
		if errors.As(context.Cause(ctx), &e) {
			return e
		}
	}
	return toError(err)
}

func errorResponse(severity string, e *Error) *pgproto3.ErrorResponse {
	return &pgproto3.ErrorResponse{Severity: severity, SeverityUnlocalized: severity, Code: e.Code,
		Message: e.Message, Detail: e.Detail, Hint: e.Hint, Position: int32(e.Position)}
}
