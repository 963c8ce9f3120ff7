package pgwire

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// raw connects with pgx, then takes the connection over to speak
// messages by hand.
func raw(t *testing.T, addr string) *pgproto3.Frontend {
	t.Helper()
	c := connect(t, addr, "")
	hc, err := c.PgConn().Hijack()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hc.Conn.Close() })
	return hc.Frontend
}

// exchange sends msgs and returns what came back up to ReadyForQuery,
// each message summed up in a line.
func exchange(t *testing.T, f *pgproto3.Frontend, msgs ...pgproto3.FrontendMessage) []string {
	t.Helper()
	for _, m := range msgs {
		f.Send(m)
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		msg, err := f.Receive()
		if err != nil {
			t.Fatalf("after %v: %v", out, err)
		}
		switch m := msg.(type) {
		case *pgproto3.RowDescription:
			var cols []string
			for _, fd := range m.Fields {
				cols = append(cols, fmt.Sprintf("%s:%d/%d", fd.Name, fd.DataTypeOID, fd.Format))
			}
			out = append(out, "RowDescription "+strings.Join(cols, " "))
		case *pgproto3.DataRow:
			var vals []string
			for _, v := range m.Values {
				vals = append(vals, fmt.Sprintf("%x", v))
			}
			out = append(out, "DataRow "+strings.Join(vals, " "))
		case *pgproto3.CommandComplete:
			out = append(out, "CommandComplete "+string(m.CommandTag))
		case *pgproto3.ErrorResponse:
			out = append(out, "Error "+m.Code+" "+strings.Split(m.Message, "\n")[0])
		case *pgproto3.NoticeResponse:
			out = append(out, "Notice "+m.Code)
		case *pgproto3.ParameterStatus:
			out = append(out, "ParameterStatus "+m.Name+"="+m.Value)
		case *pgproto3.ParameterDescription:
			out = append(out, fmt.Sprint("ParameterDescription ", m.ParameterOIDs))
		case *pgproto3.ReadyForQuery:
			return append(out, "ReadyForQuery "+string(m.TxStatus))
		default:
			out = append(out, strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3."))
		}
	}
}

func query(q string) *pgproto3.Query { return &pgproto3.Query{String: q} }

// TestProtocol plays exchanges of messages and checks each answer, in
// order, on one connection: the state carries over from one to the next.
func TestProtocol(t *testing.T) {
	addr := start(t, Config{}).addr
	f := raw(t, addr)
	for _, tc := range []struct {
		name string
		send []pgproto3.FrontendMessage
		want []string
	}{
		{"a portal read 3 rows at a time, in binary", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s", Query: "SELECT a FROM t WHERE a <= $1 ORDER BY a"},
			&pgproto3.Describe{ObjectType: 'S', Name: "s"},
			&pgproto3.Bind{PreparedStatement: "s", DestinationPortal: "p", Parameters: [][]byte{[]byte("7")}, ResultFormatCodes: []int16{1}},
			&pgproto3.Describe{ObjectType: 'P', Name: "p"},
			&pgproto3.Execute{Portal: "p", MaxRows: 3}, &pgproto3.Execute{Portal: "p", MaxRows: 3},
			&pgproto3.Execute{Portal: "p"}, &pgproto3.Sync{}}, []string{
			"ParseComplete", "ParameterDescription [20]", "RowDescription a:20/0", "BindComplete", "RowDescription a:20/1",
			"DataRow 0000000000000001", "DataRow 0000000000000002", "DataRow 0000000000000003", "PortalSuspended",
			"DataRow 0000000000000004", "DataRow 0000000000000005", "DataRow 0000000000000006", "PortalSuspended",
			"DataRow 0000000000000007", "CommandComplete SELECT 7", "ReadyForQuery I"}},
		{"an error skips to Sync", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "SELECT nope FROM t"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{}},
			[]string{"Error XX000 Binder Error: Referenced column \"nope\" not found in FROM clause!", "ReadyForQuery I"}},
		{"an error", []pgproto3.FrontendMessage{query("SELECT CASE WHEN a < 3 THEN a ELSE error('boom') END AS x FROM t ORDER BY a")},
			[]string{"Error XX000 Invalid Input Error: boom", "ReadyForQuery I"}},
		{"the connection goes on", []pgproto3.FrontendMessage{query("SELECT 1 AS one; SELECT 'x' AS two")},
			[]string{"RowDescription one:23/0", "DataRow 31", "CommandComplete SELECT 1", "RowDescription two:25/0", "DataRow 78",
				"CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"empty", []pgproto3.FrontendMessage{query(" -- nothing\n ;")}, []string{"EmptyQueryResponse", "ReadyForQuery I"}},
		{"begin", []pgproto3.FrontendMessage{query("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY")}, []string{"CommandComplete BEGIN", "ReadyForQuery T"}},
		{"begin again", []pgproto3.FrontendMessage{query("start transaction")}, []string{"Notice 25001", "CommandComplete BEGIN", "ReadyForQuery T"}},
		{"an error in the transaction", []pgproto3.FrontendMessage{query("SELECT nope")}, []string{
			"Error XX000 Binder Error: Referenced column \"nope\" was not found because the FROM clause is missing", "ReadyForQuery E"}},
		{"ignored until its end", []pgproto3.FrontendMessage{query("SELECT 1")}, []string{
			"Error 25P02 current transaction is aborted, commands ignored until end of transaction block", "ReadyForQuery E"}},
		{"commit of a failed transaction rolls back", []pgproto3.FrontendMessage{query("COMMIT")}, []string{"CommandComplete ROLLBACK", "ReadyForQuery I"}},
		{"a transaction in the extended protocol", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "BEGIN"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Parse{Query: "SELECT 2 AS two"},
			&pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{}}, []string{
			"ParseComplete", "BindComplete", "CommandComplete BEGIN", "ParseComplete", "BindComplete", "DataRow 32",
			"CommandComplete SELECT 1", "ReadyForQuery T"}},
		{"commit", []pgproto3.FrontendMessage{query("COMMIT;")}, []string{"CommandComplete COMMIT", "ReadyForQuery I"}},
		{"rollback outside a transaction", []pgproto3.FrontendMessage{query("ROLLBACK")}, []string{"Notice 25P01", "CommandComplete ROLLBACK", "ReadyForQuery I"}},
		{"set application_name", []pgproto3.FrontendMessage{query("SET application_name = 'report'")},
			[]string{"ParameterStatus application_name=report", "CommandComplete SET", "ReadyForQuery I"}},
		{"set the settings drivers set", []pgproto3.FrontendMessage{query("SET extra_float_digits = 3; SET client_encoding TO 'unicode'; " +
			"SET DateStyle = 'ISO, DMY'; SET TIME ZONE 'UTC'; SET search_path TO \"$user\", public; RESET ALL")}, []string{
			"CommandComplete SET", "ParameterStatus client_encoding=UTF8", "CommandComplete SET", "ParameterStatus DateStyle=ISO, MDY",
			"CommandComplete SET", "ParameterStatus TimeZone=UTC", "CommandComplete SET", "CommandComplete SET",
			"ParameterStatus application_name=", "ParameterStatus client_encoding=UTF8", "ParameterStatus DateStyle=ISO, MDY",
			"ParameterStatus TimeZone=UTC", "CommandComplete RESET", "ReadyForQuery I"}},
		{"a time zone other than UTC", []pgproto3.FrontendMessage{query("SET TimeZone = 'Europe/Paris'")},
			[]string{`Error 22023 TimeZone "Europe/Paris" is not supported: elt serve runs in UTC`, "ReadyForQuery I"}},
		{"another encoding", []pgproto3.FrontendMessage{query("SET client_encoding = LATIN1")},
			[]string{`Error 22023 client_encoding "LATIN1" is not supported: elt serve speaks UTF8 only`, "ReadyForQuery I"}},
		{"statement_timeout is the server's", []pgproto3.FrontendMessage{query("SET statement_timeout = 0")},
			[]string{"Error 55P02 statement_timeout is the server's (serve.statement_timeout: 0s) and cannot be set by a client", "ReadyForQuery I"}},
		{"another search path", []pgproto3.FrontendMessage{query("SET search_path = gold")},
			[]string{"Error 0A000 elt serve does not change the search path (to gold): name each table with its schema", "ReadyForQuery I"}},
		{"a statement prepared", []pgproto3.FrontendMessage{&pgproto3.Parse{Name: "p1", Query: "SELECT 1"}, &pgproto3.Sync{}},
			[]string{"ParseComplete", "ReadyForQuery I"}},
		{"a pool's reset", []pgproto3.FrontendMessage{query("DEALLOCATE p1; DEALLOCATE ALL; DISCARD ALL")},
			[]string{"CommandComplete DEALLOCATE", "CommandComplete DEALLOCATE ALL",
				"ParameterStatus application_name=", "ParameterStatus client_encoding=UTF8", "ParameterStatus DateStyle=ISO, MDY", "ParameterStatus TimeZone=UTC",
				"CommandComplete DISCARD ALL", "ReadyForQuery I"}},
		{"and the statement is gone", []pgproto3.FrontendMessage{&pgproto3.Bind{PreparedStatement: "p1"}, &pgproto3.Sync{}},
			[]string{`Error 26000 prepared statement "p1" does not exist`, "ReadyForQuery I"}},
		{"a panic is one client's error", []pgproto3.FrontendMessage{query("SELECT 'elt_test_panic'")},
			[]string{"Error XX000 internal error: elt_test_panic asked for", "ReadyForQuery I"}},
		{"and the connection goes on", []pgproto3.FrontendMessage{query("SELECT 3 AS three")},
			[]string{"RowDescription three:23/0", "DataRow 33", "CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"a statement closed", []pgproto3.FrontendMessage{&pgproto3.Close{ObjectType: 'S', Name: "s"},
			&pgproto3.Bind{PreparedStatement: "s"}, &pgproto3.Sync{}},
			[]string{"CloseComplete", `Error 26000 prepared statement "s" does not exist`, "ReadyForQuery I"}},
	} {
		if got := exchange(t, f, tc.send...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	_ = context.Background
}
