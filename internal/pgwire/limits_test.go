package pgwire

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

const slow = "SELECT count(*) FROM range(10000000000)"

// pgErr is err's SQLSTATE and message, or its text.
func pgErr(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code + " " + pe.Message
	}
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// usable checks a connection still answers.
func usable(t *testing.T, c *pgx.Conn) {
	t.Helper()
	var n int64
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&n); err != nil || n != 10 {
		t.Errorf("the connection after: %d %v", n, err)
	}
}

// TestMaxConnections refuses the connection over the limit, and only it.
func TestMaxConnections(t *testing.T) {
	s := start(t, Config{MaxConnections: 2})
	a, b := connect(t, s.addr, ""), connect(t, s.addr, "")
	_, err := pgx.Connect(context.Background(), dsn(s.addr, ""))
	if got := pgErr(err); got != "53300 sorry, too many clients already (serve.max_connections: 2)" {
		t.Errorf("the third connection: %s", got)
	}
	usable(t, a)
	usable(t, b)
	if n := s.Connections(); n != 2 {
		t.Errorf("Connections() = %d, want 2", n)
	}
	a.Close(context.Background())
	for s.Connections() != 1 {
		time.Sleep(10 * time.Millisecond)
	}
	usable(t, connect(t, s.addr, ""))
}

// TestStatementTimeout cancels a slow statement, in both protocols, and
// the connection goes on.
func TestStatementTimeout(t *testing.T) {
	var mu sync.Mutex
	var observed []Query
	s := start(t, Config{StatementTimeout: 300 * time.Millisecond, Observe: func(q Query) {
		mu.Lock()
		observed = append(observed, q)
		mu.Unlock()
	}})
	for _, mode := range []string{"cache_statement", "simple_protocol"} {
		c := connect(t, s.addr, "default_query_exec_mode="+mode)
		var n int64
		started := time.Now()
		err := c.QueryRow(context.Background(), slow).Scan(&n)
		if got := pgErr(err); got != "57014 canceling statement due to statement timeout (serve.statement_timeout: 300ms)" {
			t.Errorf("%s: %s", mode, got)
		}
		if d := time.Since(started); d > 5*time.Second {
			t.Errorf("%s: the statement ran %s", mode, d)
		}
		usable(t, c)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(observed) != 4 || observed[0].SQL != slow || observed[0].Err == nil || observed[1].Rows != 1 || observed[1].Err != nil {
		t.Errorf("observed %+v", observed)
	}
}

// TestMaxRows refuses a result over the limit as an error, not a partial
// result, and the connection goes on.
func TestMaxRows(t *testing.T) {
	s := start(t, Config{MaxRows: 5})
	for _, mode := range []string{"cache_statement", "simple_protocol"} {
		c := connect(t, s.addr, "default_query_exec_mode="+mode)
		rows, _ := c.Query(context.Background(), "SELECT a FROM t")
		n := 0
		for rows.Next() {
			n++
		}
		if got := pgErr(rows.Err()); got != "54000 the result has more than 5 rows (serve.max_rows); add a LIMIT or aggregate" {
			t.Errorf("%s: %s after %d rows", mode, got, n)
		}
		rows, _ = c.Query(context.Background(), "SELECT a FROM t LIMIT 5")
		if got, err := pgx.CollectRows(rows, pgx.RowTo[int64]); len(got) != 5 || err != nil {
			t.Errorf("%s: LIMIT 5: %v %v", mode, got, err)
		}
	}
}

// TestCancel cancels a running statement with a CancelRequest, as pgconn
// sends it; a wrong key cancels nothing.
func TestCancel(t *testing.T) {
	s := start(t, Config{})
	c := connect(t, s.addr, "")
	done := make(chan error, 1)
	go func() {
		var n int64
		done <- c.QueryRow(context.Background(), slow).Scan(&n)
	}()
	time.Sleep(300 * time.Millisecond)
	other := connect(t, s.addr, "")
	s.cancelRequest(c.PgConn().PID(), []byte{0, 0, 0, 0}) // a wrong key
	if err := other.PgConn().CancelRequest(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("cancelled by the wrong key: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := c.PgConn().CancelRequest(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if got := pgErr(err); got != "57014 canceling statement due to user request" {
			t.Errorf("cancelled: %s", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the statement was not cancelled")
	}
	usable(t, c)
	usable(t, other)
}

// TestShutdown lets a running statement finish, closes every connection
// with 57P01 and returns from Serve; a statement still running when
// Shutdown's context ends is cancelled.
func TestShutdown(t *testing.T) {
	s := start(t, Config{})
	busy, idle := connect(t, s.addr, ""), connect(t, s.addr, "")
	usable(t, idle)
	result := make(chan error, 1)
	go func() {
		var n int64
		result <- busy.QueryRow(context.Background(), "SELECT count(*) FROM range(30000000) WHERE random() < 2").Scan(&n)
	}()
	time.Sleep(200 * time.Millisecond)
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	if err := <-result; err != nil {
		t.Errorf("the statement running at Shutdown: %v", err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	<-s.served
	if s.err != nil || s.Connections() != 0 {
		t.Errorf("Serve returned %v with %d connections", s.err, s.Connections())
	}
	for name, c := range map[string]*pgx.Conn{"busy": busy, "idle": idle} {
		_, err := c.Exec(context.Background(), "SELECT 1")
		if got := pgErr(err); got != "57P01 terminating connection: elt serve is stopping" {
			t.Errorf("%s after Shutdown: %s", name, got)
		}
	}

	s = start(t, Config{})
	c := connect(t, s.addr, "")
	go func() {
		var n int64
		result <- c.QueryRow(context.Background(), slow).Scan(&n)
	}()
	time.Sleep(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown past its deadline: %v", err)
	}
	if got := pgErr(<-result); got != "57P01 terminating connection: elt serve is stopping" {
		t.Errorf("the statement cancelled by Shutdown: %s", got)
	}
}

// TestOpenRefused sends a Backend's refusal of a session as FATAL, with
// its SQLSTATE.
func TestOpenRefused(t *testing.T) {
	s := start(t, Config{})
	_, err := pgx.Connect(context.Background(), "postgres://alice@"+s.addr+"/refused?sslmode=disable")
	if got := pgErr(err); got != `3D000 database "refused" does not exist` {
		t.Errorf("refused: %s", got)
	}
	for s.Connections() != 0 {
		time.Sleep(10 * time.Millisecond)
	}
}

// TestClientThatStopsReading: a client that asks for a large result and
// reads none of it holds its statement no longer than the statement
// timeout: the server's writes fail then, and the statement ends (its
// resources, and elt serve's slot, given back).
func TestClientThatStopsReading(t *testing.T) {
	ended := make(chan Query, 16)
	ts := start(t, Config{StatementTimeout: 500 * time.Millisecond, Observe: func(q Query) { ended <- q }})
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "u", "database": "elt"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	fe.Send(&pgproto3.Query{String: "SELECT i, repeat('x', 1000) FROM range(200000) r(i)"})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	// ... and read nothing more.
	select {
	case q := <-ended:
		if q.Err == nil || q.Rows == 0 {
			t.Errorf("the statement ended after sending %d rows with %v: want rows sent, then the writes' failure", q.Rows, q.Err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the statement of a client that reads nothing was still running 10 s later")
	}
}
