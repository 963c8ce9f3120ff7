package pgwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/digitalservices/elt/internal/pgwire/pgvalue"
	"github.com/digitalservices/elt/internal/pgwire/statement"
)

// simpleQuery runs a Query message's statements in order, until the first
// error.
func (c *conn) simpleQuery(text string) {
	if statement.SkipComments(text) == "" {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	stmts, err := c.sess.Statements(c.s.ctx, text)
	if err != nil {
		c.fail(nil, toError(err))
		return
	}
	if len(stmts) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
	}
	for _, q := range stmts {
		p := &portal{query: q, cmd: statement.Classify(q)}
		if e := c.execute(p, 0, true); e != nil {
			c.fail(p, e)
			return
		}
	}
}

// portal is a statement bound to its arguments, running or ready to run.
type portal struct {
	query   string
	cmd     statement.Command
	args    []any
	cols    []Column // as described to the client (nil: from the rows)
	formats []int16  // result format codes as Bind gave them
	stmt    *prepared
	done    bool

	rows    Rows
	ctx     context.Context
	cancel  context.CancelCauseFunc
	stop    func()
	started time.Time
	sent    int64
}

func (p *portal) close() {
	if p.rows != nil {
		p.rows.Close()
		p.rows = nil
	}
	if p.stop != nil {
		p.stop()
		p.stop = nil
	}
}

// execute runs p (or goes on with it) and sends its rows, at most max of
// them (0: all) before PortalSuspended, then CommandComplete. describe
// sends the RowDescription first (the simple protocol). The error
// returned is not sent yet.
func (c *conn) execute(p *portal, max int64, describe bool) *Error {
	if p.cmd.Kind != statement.Query {
		tag, e := c.command(p.cmd)
		c.observe(p, time.Now(), 0, e)
		if e != nil {
			return e
		}
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
		return nil
	}
	if p.rows == nil {
		if c.tx == 'E' {
			return errAborted
		}
		p.started = time.Now()
		p.ctx, p.cancel, p.stop = c.statementContext()
		c.setRunning(p.cancel)
		rows, err := c.sess.Query(p.ctx, p.query, p.args)
		c.setRunning(nil)
		if err != nil {
			e := errorOf(p.ctx, err)
			p.close()
			c.observe(p, p.started, 0, e)
			return e
		}
		p.rows = rows
		if p.cols == nil {
			p.cols = rows.Columns()
		}
		if describe && len(p.cols) > 0 {
			c.be.Send(pgvalue.RowDescription(p.cols, nil))
		}
	}
	c.setRunning(p.cancel)
	defer c.setRunning(nil)
	if d := c.s.cfg.StatementTimeout; d > 0 {
		// A client that stops reading the rows is sent no more once the
		// statement's time is up: the write fails, the statement ends and
		// its slot is free for others.
		c.nc.SetWriteDeadline(p.started.Add(d))
		defer c.nc.SetWriteDeadline(time.Time{})
	}
	dest := make([]any, len(p.cols))
	for n := int64(0); ; n++ {
		if max > 0 && n == max {
			c.be.Send(&pgproto3.PortalSuspended{})
			return nil
		}
		err := p.rows.Next(dest)
		if errors.Is(err, io.EOF) {
			break
		}
		e := (*Error)(nil)
		if err != nil {
			e = errorOf(p.ctx, err)
		} else if p.sent++; c.s.cfg.MaxRows > 0 && p.sent > c.s.cfg.MaxRows {
			e = &Error{Code: "54000", Message: fmt.Sprintf("the result has more than %d rows (serve.max_rows); add a LIMIT or aggregate", c.s.cfg.MaxRows)}
		} else if row, err := pgvalue.EncodeRow(c.types, p.cols, p.formats, dest); err != nil {
			e = toError(err)
		} else {
			c.be.Send(&pgproto3.DataRow{Values: row})
		}
		if e != nil {
			p.close()
			c.observe(p, p.started, p.sent, e)
			return e
		}
		if p.sent%1000 == 0 {
			if err := c.be.Flush(); err != nil {
				p.close()
				e := toError(err)
				c.observe(p, p.started, p.sent, e)
				return e
			}
		}
	}
	p.close()
	tag := "SELECT " + strconv.FormatInt(p.sent, 10)
	if len(p.cols) == 0 {
		tag = strings.ToUpper(statement.FirstWord(p.query))
	}
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	c.observe(p, p.started, p.sent, nil)
	return nil
}

var errAborted = &Error{Code: "25P02", Message: "current transaction is aborted, commands ignored until end of transaction block",
	Hint: "ROLLBACK ends it."}

func (c *conn) observe(p *portal, started time.Time, rows int64, e *Error) {
	if c.s.cfg.Observe == nil {
		return
	}
	q := Query{SQL: p.query, Duration: time.Since(started), Rows: rows}
	if e != nil {
		q.Err = e
	}
	c.s.cfg.Observe(q)
}

// fail sends e as an ERROR, and marks a transaction failed.
func (c *conn) fail(p *portal, e *Error) {
	if c.tx == 'T' {
		c.tx = 'E'
	}
	c.be.Send(errorResponse("ERROR", e))
}

// command runs one of pgwire's own commands and returns its tag.
func (c *conn) command(cmd statement.Command) (string, *Error) {
	ctx := c.s.ctx
	switch cmd.Kind {
	case statement.Empty:
		return "", &Error{Code: "42601", Message: "empty statement"}
	case statement.Begin:
		if c.tx != 'I' {
			c.notice("25001", "there is already a transaction in progress")
			return "BEGIN", nil
		}
		if err := c.sess.Begin(ctx); err != nil {
			return "", toError(err)
		}
		c.tx = 'T'
		return "BEGIN", nil
	case statement.Commit, statement.Rollback:
		if c.tx == 'I' {
			c.notice("25P01", "there is no transaction in progress")
		} else {
			commit := cmd.Kind == statement.Commit && c.tx == 'T'
			err := c.sess.End(ctx, commit)
			c.tx = 'I'
			if err != nil {
				return "", toError(err)
			}
			if !commit {
				return "ROLLBACK", nil
			}
		}
		if cmd.Kind == statement.Commit {
			return "COMMIT", nil
		}
		return "ROLLBACK", nil
	}
	if c.tx == 'E' {
		return "", errAborted
	}
	switch cmd.Kind {
	case statement.Deallocate:
		if cmd.Name == "all" {
			clear(c.stmts)
			return "DEALLOCATE ALL", nil
		}
		if _, ok := c.stmts[cmd.Name]; !ok {
			return "", &Error{Code: "26000", Message: fmt.Sprintf("prepared statement %q does not exist", cmd.Name)}
		}
		delete(c.stmts, cmd.Name)
		return "DEALLOCATE", nil
	case statement.Discard:
		if c.tx != 'I' {
			return "", &Error{Code: "25001", Message: "DISCARD ALL cannot run inside a transaction block"}
		}
		clear(c.stmts)
		for name, p := range c.portals {
			p.close()
			delete(c.portals, name)
		}
		cmd = statement.Command{Kind: statement.Reset, Name: "all", Value: "discard"}
	}
	if cmd.Kind == statement.Reset {
		for _, lower := range slices.Sorted(maps.Keys(statement.Params)) {
			if name := statement.Params[lower]; (cmd.Name == "all" || cmd.Name == lower) && lower != "statement_timeout" {
				c.setParam(name, statement.Defaults[name])
			}
		}
		if cmd.Value == "discard" {
			return "DISCARD ALL", nil
		}
		return "RESET", nil
	}
	name, v := statement.Params[cmd.Name], cmd.Value
	switch cmd.Name {
	case "statement_timeout":
		return "", &Error{Code: "55P02", Message: fmt.Sprintf("statement_timeout is the server's (serve.statement_timeout: %s) and cannot be set by a client",
			c.s.cfg.StatementTimeout)}
	case "client_encoding":
		if u := strings.ToUpper(strings.ReplaceAll(v, "-", "")); u != "UTF8" && u != "UNICODE" {
			return "", &Error{Code: "22023", Message: fmt.Sprintf("client_encoding %q is not supported: elt serve speaks UTF8 only", v)}
		}
		v = "UTF8"
	case "datestyle":
		if !strings.EqualFold(strings.TrimSpace(strings.Split(v, ",")[0]), "ISO") {
			return "", &Error{Code: "22023", Message: fmt.Sprintf("DateStyle %q is not supported: elt serve writes dates as ISO only", v)}
		}
		v = "ISO, MDY"
	case "timezone":
		switch strings.ToUpper(v) {
		case "UTC", "ETC/UTC", "GMT", "Z", "ZULU", "0", "+00", "+00:00", "UCT", "LOCAL":
			v = "UTC"
		default:
			return "", &Error{Code: "22023", Message: fmt.Sprintf("TimeZone %q is not supported: elt serve runs in UTC", v),
				Hint: "Convert in the query instead: ts AT TIME ZONE 'Europe/Paris'."}
		}
	case "search_path":
		switch strings.ReplaceAll(strings.ToLower(v), " ", "") {
		case `$user,public`, "public", `"$user",public`:
		default:
			return "", &Error{Code: "0A000", Message: fmt.Sprintf("elt serve does not change the search path (to %s): name each table with its schema", v),
				Hint: "SELECT ... FROM gold.user_session_analysis"}
		}
	case "extra_float_digits":
		if _, err := strconv.Atoi(v); err != nil {
			return "", &Error{Code: "22023", Message: fmt.Sprintf("extra_float_digits requires an integer value, not %q", v)}
		}
	}
	c.setParam(name, v)
	return "SET", nil
}

func (c *conn) setParam(name, value string) {
	c.params[name] = value
	if statement.Reported[name] {
		c.be.Send(&pgproto3.ParameterStatus{Name: name, Value: value})
	}
}

func (c *conn) notice(code, message string) {
	c.be.Send(&pgproto3.NoticeResponse{Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: code, Message: message})
}
