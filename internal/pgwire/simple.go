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
)

// simpleQuery runs a Query message's statements in order, until the first
// error.
func (c *conn) simpleQuery(text string) {
	if skipComments(text) == "" {
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
		p := &portal{query: q, cmd: classify(q)}
		if e := c.execute(p, 0, true); e != nil {
			c.fail(p, e)
			return
		}
	}
}

// portal is a statement bound to its arguments, running or ready to run.
type portal struct {
	query   string
	cmd     command
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
	if p.cmd.kind != cmdQuery {
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
				return toError(err)
			}
		}
	}
	p.close()
	tag := "SELECT " + strconv.FormatInt(p.sent, 10)
	if len(p.cols) == 0 {
		tag = strings.ToUpper(firstWord(p.query))
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

// The commands pgwire runs itself.
const (
	cmdQuery = iota
	cmdBegin
	cmdCommit
	cmdRollback
	cmdSet
	cmdReset
	cmdEmpty
)

// command is a statement classified: a query for the Session, or one of
// pgwire's own (transaction control, SET of a client parameter).
type command struct {
	kind        int
	name, value string // SET name = value, RESET name (lower case; "all")
}

// classify says what a statement is, by its first words.
func classify(q string) command {
	words := strings.Fields(strings.ToLower(strings.TrimRight(skipComments(q), "; \t\r\n")))
	if len(words) == 0 {
		return command{kind: cmdEmpty}
	}
	second := ""
	if len(words) > 1 {
		second = words[1]
	}
	switch words[0] {
	case "begin":
		return command{kind: cmdBegin}
	case "start":
		if second == "transaction" {
			return command{kind: cmdBegin}
		}
	case "commit", "end":
		if second != "prepared" {
			return command{kind: cmdCommit}
		}
	case "rollback", "abort":
		if second != "to" && second != "prepared" {
			return command{kind: cmdRollback}
		}
	case "reset":
		if name := strings.Join(words[1:], " "); name == "all" || ownParams[name] != "" {
			return command{kind: cmdReset, name: name}
		}
	case "set":
		return classifySet(q)
	}
	return command{kind: cmdQuery}
}

// ownParams are the client parameters pgwire keeps, by lower-case name:
// their name as reported and their value at the start.
var ownParams = map[string]string{"application_name": "application_name", "extra_float_digits": "extra_float_digits",
	"client_encoding": "client_encoding", "datestyle": "DateStyle", "timezone": "TimeZone", "search_path": "search_path",
	"statement_timeout": "statement_timeout"}

var reported = map[string]bool{"application_name": true, "client_encoding": true, "DateStyle": true, "TimeZone": true}

var defaults = map[string]string{"client_encoding": "UTF8", "DateStyle": "ISO, MDY", "TimeZone": "UTC",
	"extra_float_digits": "1", "search_path": `"$user", public`, "application_name": ""}

// classifySet reads SET [SESSION | LOCAL] name {TO | =} value and SET TIME
// ZONE value; a SET of another parameter is a query for the Session.
func classifySet(q string) command {
	rest := skipComments(q)
	rest = strings.TrimSpace(strings.TrimRight(rest[len("set"):], "; \t\n"))
	for _, w := range []string{"session ", "local "} {
		if strings.HasPrefix(strings.ToLower(rest), w) {
			rest = strings.TrimSpace(rest[len(w):])
		}
	}
	var name, value string
	if lower := strings.ToLower(rest); strings.HasPrefix(lower, "time zone") {
		name, value = "timezone", strings.TrimSpace(rest[len("time zone"):])
	} else {
		i := strings.IndexAny(rest, " \t\n=")
		if i < 0 {
			return command{kind: cmdQuery}
		}
		name, value = strings.ToLower(rest[:i]), strings.TrimSpace(rest[i:])
		if strings.HasPrefix(value, "=") {
			value = strings.TrimSpace(value[1:])
		} else if len(value) > 3 && strings.EqualFold(value[:3], "to ") {
			value = strings.TrimSpace(value[3:])
		} else {
			return command{kind: cmdQuery}
		}
	}
	name = strings.Trim(name, `"`)
	if ownParams[name] == "" {
		return command{kind: cmdQuery}
	}
	if strings.EqualFold(value, "default") {
		return command{kind: cmdReset, name: name}
	}
	var parts []string
	for _, v := range pgvalue.SplitTop(value) {
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
			v = strings.ReplaceAll(v[1:len(v)-1], v[:1]+v[:1], v[:1])
		}
		parts = append(parts, v)
	}
	return command{kind: cmdSet, name: name, value: strings.Join(parts, ", ")}
}

// command runs one of pgwire's own commands and returns its tag.
func (c *conn) command(cmd command) (string, *Error) {
	ctx := c.s.ctx
	switch cmd.kind {
	case cmdEmpty:
		return "", &Error{Code: "42601", Message: "empty statement"}
	case cmdBegin:
		if c.tx != 'I' {
			c.notice("25001", "there is already a transaction in progress")
			return "BEGIN", nil
		}
		if err := c.sess.Begin(ctx); err != nil {
			return "", toError(err)
		}
		c.tx = 'T'
		return "BEGIN", nil
	case cmdCommit, cmdRollback:
		if c.tx == 'I' {
			c.notice("25P01", "there is no transaction in progress")
		} else {
			commit := cmd.kind == cmdCommit && c.tx == 'T'
			err := c.sess.End(ctx, commit)
			c.tx = 'I'
			if err != nil {
				return "", toError(err)
			}
			if !commit {
				return "ROLLBACK", nil
			}
		}
		if cmd.kind == cmdCommit {
			return "COMMIT", nil
		}
		return "ROLLBACK", nil
	}
	if c.tx == 'E' {
		return "", errAborted
	}
	if cmd.kind == cmdReset {
		for _, lower := range slices.Sorted(maps.Keys(ownParams)) {
			if name := ownParams[lower]; (cmd.name == "all" || cmd.name == lower) && lower != "statement_timeout" {
				c.setParam(name, defaults[name])
			}
		}
		return "RESET", nil
	}
	name, v := ownParams[cmd.name], cmd.value
	switch cmd.name {
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
	if reported[name] {
		c.be.Send(&pgproto3.ParameterStatus{Name: name, Value: value})
	}
}

func (c *conn) notice(code, message string) {
	c.be.Send(&pgproto3.NoticeResponse{Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: code, Message: message})
}

// skipComments drops what leads q's first word: blanks, semicolons and
// comments.
func skipComments(q string) string {
	for {
		q = strings.TrimLeft(q, " \t\r\n;")
		switch {
		case strings.HasPrefix(q, "--") && strings.Contains(q, "\n"):
			q = q[strings.IndexByte(q, '\n'):]
		case strings.HasPrefix(q, "/*") && strings.Contains(q, "*/"):
			q = q[strings.Index(q, "*/")+2:]
		case strings.HasPrefix(q, "--") || strings.HasPrefix(q, "/*"):
			return ""
		default:
			return q
		}
	}
}

func firstWord(q string) string {
	f := strings.Fields(skipComments(q))
	if len(f) == 0 {
		return ""
	}
	return strings.TrimRight(f[0], ";")
}
