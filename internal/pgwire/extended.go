package pgwire

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/digitalservices/elt/internal/pgwire/pgvalue"
	"github.com/digitalservices/elt/internal/pgwire/statement"
)

// prepared is a statement a Parse message named (or the unnamed one).
type prepared struct {
	query     string
	cmd       statement.Command
	paramOIDs []uint32
	cols      []Column
}

// extended handles a message of the extended query protocol. After an
// error, messages are skipped until Sync, as PostgreSQL does.
func (c *conn) extended(msg pgproto3.FrontendMessage) {
	if _, sync := msg.(*pgproto3.Sync); sync {
		c.skipping = false
		if c.tx == 'I' {
			for name, p := range c.portals {
				p.close()
				delete(c.portals, name)
			}
		}
		c.readyForQuery()
		return
	}
	if c.skipping {
		return
	}
	var e *Error
	switch m := msg.(type) {
	case *pgproto3.Parse:
		e = c.parse(m)
	case *pgproto3.Bind:
		e = c.bind(m)
	case *pgproto3.Describe:
		e = c.describe(m)
	case *pgproto3.Execute:
		p := c.portals[m.Portal]
		switch {
		case p == nil:
			e = &Error{Code: "34000", Message: fmt.Sprintf("portal %q does not exist", m.Portal)}
		case p.cmd.Kind == statement.Empty:
			c.be.Send(&pgproto3.EmptyQueryResponse{})
		case p.done:
			c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT 0")})
		default:
			if e = c.execute(p, int64(m.MaxRows), false); e == nil && p.rows == nil {
				p.done = true
			}
		}
	case *pgproto3.Close:
		if m.ObjectType == 'S' {
			for name, p := range c.portals {
				if p.stmt == c.stmts[m.Name] {
					p.close()
					delete(c.portals, name)
				}
			}
			delete(c.stmts, m.Name)
		} else if p := c.portals[m.Name]; p != nil {
			p.close()
			delete(c.portals, m.Name)
		}
		c.be.Send(&pgproto3.CloseComplete{})
	case *pgproto3.Flush:
		_ = c.be.Flush()
	default:
		e = &Error{Code: "08P01", Message: fmt.Sprintf("the message %T is not supported by elt serve", msg)}
	}
	if e != nil {
		c.fail(nil, e)
		c.skipping = true
	}
}

func (c *conn) parse(m *pgproto3.Parse) *Error {
	if _, exists := c.stmts[m.Name]; exists && m.Name != "" {
		return &Error{Code: "42P05", Message: fmt.Sprintf("prepared statement %q already exists", m.Name)}
	}
	st := &prepared{query: m.Query, cmd: statement.Classify(m.Query)}
	var params []string
	if st.cmd.Kind == statement.Query {
		if c.tx == 'E' {
			return errAborted
		}
		ctx, _, stop := c.statementContext()
		var err error
		params, st.cols, err = c.sess.Describe(ctx, m.Query)
		stop()
		if err != nil {
			return errorOf(ctx, err)
		}
	}
	st.paramOIDs = make([]uint32, max(len(params), len(m.ParameterOIDs)))
	for i := range st.paramOIDs {
		if i < len(m.ParameterOIDs) && m.ParameterOIDs[i] != 0 {
			st.paramOIDs[i] = m.ParameterOIDs[i]
		} else if i < len(params) {
			st.paramOIDs[i] = pgvalue.ParamOID(params[i])
		}
	}
	c.stmts[m.Name] = st
	c.be.Send(&pgproto3.ParseComplete{})
	return nil
}

func (c *conn) bind(m *pgproto3.Bind) *Error {
	st := c.stmts[m.PreparedStatement]
	if st == nil {
		return &Error{Code: "26000", Message: fmt.Sprintf("prepared statement %q does not exist", m.PreparedStatement)}
	}
	if old := c.portals[m.DestinationPortal]; old != nil {
		if m.DestinationPortal != "" {
			return &Error{Code: "42P03", Message: fmt.Sprintf("portal %q already exists", m.DestinationPortal)}
		}
		old.close()
	}
	if len(m.Parameters) != len(st.paramOIDs) {
		return &Error{Code: "08P01", Message: fmt.Sprintf("bind message supplies %d parameters, but prepared statement %q requires %d",
			len(m.Parameters), m.PreparedStatement, len(st.paramOIDs))}
	}
	args := make([]any, len(m.Parameters))
	for i, src := range m.Parameters {
		v, err := pgvalue.Decode(c.types, st.paramOIDs[i], pgvalue.Format(m.ParameterFormatCodes, i), src)
		if err != nil {
			return &Error{Code: "22P02", Message: fmt.Sprintf("parameter $%d: %v", i+1, err)}
		}
		args[i] = v
	}
	c.portals[m.DestinationPortal] = &portal{query: st.query, cmd: st.cmd, args: args, cols: st.cols, stmt: st,
		formats: append([]int16(nil), m.ResultFormatCodes...)}
	c.be.Send(&pgproto3.BindComplete{})
	return nil
}

func (c *conn) describe(m *pgproto3.Describe) *Error {
	if m.ObjectType == 'S' {
		st := c.stmts[m.Name]
		if st == nil {
			return &Error{Code: "26000", Message: fmt.Sprintf("prepared statement %q does not exist", m.Name)}
		}
		c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: st.paramOIDs})
		c.describeRows(st.cols, nil)
		return nil
	}
	p := c.portals[m.Name]
	if p == nil {
		return &Error{Code: "34000", Message: fmt.Sprintf("portal %q does not exist", m.Name)}
	}
	c.describeRows(p.cols, p.formats)
	return nil
}

func (c *conn) describeRows(cols []Column, formats []int16) {
	if len(cols) == 0 {
		c.be.Send(&pgproto3.NoData{})
		return
	}
	c.be.Send(pgvalue.RowDescription(cols, formats))
}
