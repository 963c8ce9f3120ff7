package pgwire

import (
	"context"
	"fmt"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/digitalservices/elt/internal/output"
)

// typeCases are DuckDB values, the Go value pgx reads each as (made
// comparable by norm), and the text psql shows.
var typeCases = []struct {
	expr string
	want any
	text string
}{
	{"true", true, "t"},
	{"1::TINYINT", int16(1), "1"},
	{"-2::SMALLINT", int16(-2), "-2"},
	{"200::UTINYINT", int16(200), "200"},
	{"4::INTEGER", int32(4), "4"},
	{"60000::USMALLINT", int32(60000), "60000"},
	{"-6::BIGINT", int64(-6), "-6"},
	{"4000000000::UINTEGER", int64(4000000000), "4000000000"},
	{"18446744073709551615::UBIGINT", "numeric 18446744073709551615", "18446744073709551615"},
	{"-170141183460469231731687303715884105727::HUGEINT", "numeric -170141183460469231731687303715884105727", "-170141183460469231731687303715884105727"},
	{"1.50::DECIMAL(18,2)", "numeric 1.50", "1.50"},
	{"-0.0005::DECIMAL(10,4)", "numeric -0.0005", "-0.0005"},
	{"123456789012345678.123456789012345678::DECIMAL(38,18)", "numeric 123456789012345678.123456789012345678", "123456789012345678.123456789012345678"},
	{"1.5::FLOAT", float32(1.5), "1.5"},
	{"0.1::DOUBLE", 0.1, "0.1"},
	{"'infinity'::DOUBLE", "+Inf", "Infinity"},
	{"'hé ''x'''::VARCHAR", "hé 'x'", "hé 'x'"},
	{"''::VARCHAR", "", ""},
	{"'sad'::mood", "sad", "sad"},
	{"'hi'::BLOB", []byte("hi"), `\x6869`},
	{"DATE '2024-02-29'", "2024-02-29T00:00:00Z", "2024-02-29"},
	{"TIME '13:14:15.5'", "time 13:14:15.500000", "13:14:15.5"},
	{"TIMESTAMP '2024-02-29 13:14:15.123456'", "2024-02-29T13:14:15.123456Z", "2024-02-29 13:14:15.123456"},
	{"TIMESTAMP_NS '2024-02-29 13:14:15.123456789'", "2024-02-29T13:14:15.123456Z", "2024-02-29 13:14:15.123456"},
	{"TIMESTAMPTZ '2024-02-29 13:14:15.5+02'", "2024-02-29T11:14:15.5Z", "2024-02-29 11:14:15.5+00"},
	{"INTERVAL '1 year 2 months 3 days 04:05:06.5'", "interval 14 months 3 days 14706500000us", "1 year 2 mons 3 days 04:05:06.5"},
	{"INTERVAL '-1 day'", "interval 0 months -1 days 0us", "-1 days"},
	{"'6f0d3f8e-2a4b-4c1d-9e8f-0a1b2c3d4e5f'::UUID", "uuid 6f0d3f8e-2a4b-4c1d-9e8f-0a1b2c3d4e5f", "6f0d3f8e-2a4b-4c1d-9e8f-0a1b2c3d4e5f"},
	{`'{"a": [1, 2]}'::JSON`, map[string]any{"a": []any{1.0, 2.0}}, `{"a":[1,2]}`}, // duckdb-go hands JSON over parsed
	{"[1, 2, NULL]", []any{1.0, 2.0, nil}, "[1,2,null]"},
	{"[1, 2]::INTEGER[2]", []any{1.0, 2.0}, "[1,2]"},
	{"{'b': 1.5::DECIMAL(4,2), 'a': 'x', 'when': DATE '2024-01-02'}", map[string]any{"b": 1.5, "a": "x", "when": "2024-01-02"},
		`{"b":1.50,"a":"x","when":"2024-01-02"}`},
	{"[{'x': [TIMESTAMP '2024-01-02 03:04:05']}]", []any{map[string]any{"x": []any{"2024-01-02T03:04:05"}}}, `[{"x":["2024-01-02T03:04:05"]}]`},
	{"MAP {'k': 1, 'j': 2}", map[string]any{"k": 1.0, "j": 2.0}, `{"k":1,"j":2}`},
	{"MAP {1: 'x'}", []any{map[string]any{"key": 1.0, "value": "x"}}, `[{"key":1,"value":"x"}]`},
	{"NULL::INTEGER", nil, ""},
}

// norm makes a value pgx read comparable with typeCases' wants.
func norm(v any) any {
	switch x := v.(type) {
	case pgtype.Numeric:
		if x.Exp < 0 {
			return "numeric " + output.DecimalText(x.Int, int(-x.Exp))
		}
		return "numeric " + new(big.Int).Mul(x.Int, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Exp)), nil)).String()
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case pgtype.Time:
		return fmt.Sprintf("time %02d:%02d:%02d.%06d", x.Microseconds/3600e6, x.Microseconds/60e6%60, x.Microseconds/1e6%60, x.Microseconds%1e6)
	case pgtype.Interval:
		return fmt.Sprintf("interval %d months %d days %dus", x.Months, x.Days, x.Microseconds)
	case [16]byte:
		return fmt.Sprintf("uuid %x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	case float64:
		if x > 1e308 {
			return "+Inf"
		}
	}
	return v
}

// TestTypes reads every DuckDB type through pgx: in binary (the extended
// protocol, where pgx asks binary for what it can) and in text (the simple
// protocol), and checks the Go type and value pgx makes of it.
func TestTypes(t *testing.T) {
	addr := start(t, Config{}).addr
	ctx := context.Background()
	for _, mode := range []string{"cache_statement", "simple_protocol", "exec"} {
		c := connect(t, addr, "default_query_exec_mode="+mode)
		for _, tc := range typeCases {
			var got any
			if err := c.QueryRow(ctx, "SELECT "+tc.expr+" AS v").Scan(&got); err != nil {
				t.Errorf("%s: SELECT %s: %v", mode, tc.expr, err)
				continue
			}
			if g := norm(got); !reflect.DeepEqual(g, tc.want) {
				t.Errorf("%s: SELECT %s: got %#v (%T), want %#v", mode, tc.expr, g, got, tc.want)
			}
		}
	}
}

// TestTextFormat reads every type in the text format of the extended
// protocol, as psql and psycopg do: PostgreSQL's text of each.
func TestTextFormat(t *testing.T) {
	addr := start(t, Config{}).addr
	c := connect(t, addr, "")
	for _, tc := range typeCases {
		res := c.PgConn().ExecParams(context.Background(), "SELECT "+tc.expr+" AS v", nil, nil, nil, nil).Read()
		if res.Err != nil {
			t.Errorf("SELECT %s: %v", tc.expr, res.Err)
			continue
		}
		if got := string(res.Rows[0][0]); got != tc.text || (tc.want == nil) != (res.Rows[0][0] == nil) {
			t.Errorf("SELECT %s: text %q, want %q", tc.expr, got, tc.text)
		}
	}
}

// TestParameters binds parameters of several types, in binary (pgx's
// choice for numbers, times and bools) and in text.
func TestParameters(t *testing.T) {
	addr := start(t, Config{}).addr
	ctx := context.Background()
	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	num := pgtype.Numeric{Int: big.NewInt(1250), Exp: -2, Valid: true}
	for _, mode := range []string{"cache_statement", "simple_protocol", "exec"} {
		c := connect(t, addr, "default_query_exec_mode="+mode)
		for _, tc := range []struct {
			query string
			args  []any
			want  string
		}{
			{"SELECT count(*)::VARCHAR FROM t WHERE a > $1", []any{3}, "7"},
			{"SELECT c FROM t WHERE c = $1", []any{"n4"}, "n4"},
			{"SELECT ($1::TIMESTAMP + INTERVAL 1 SECOND)::VARCHAR", []any{ts}, "2024-02-29 13:14:16.123456"},
			{"SELECT (DATE '2024-01-01' < $1)::VARCHAR", []any{time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}, "true"},
			{"SELECT (amount * 2)::VARCHAR FROM t WHERE amount = $1", []any{num}, "25.00"},
			{"SELECT ($1::DECIMAL(10,3) + 1)::VARCHAR", []any{"2.005"}, "3.005"},
			{"SELECT (NOT $1)::VARCHAR", []any{false}, "true"},
			{"SELECT ($1::DOUBLE * 2)::VARCHAR", []any{1.25}, "2.5"},
			{"SELECT count(*)::VARCHAR FROM t WHERE d = $1 AND a = $2", []any{time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC), int64(4)}, "1"},
			{"SELECT coalesce($1, 'null')::VARCHAR", []any{nil}, "null"},
			{"SELECT $1::VARCHAR || '!'", []any{"x"}, "x!"},
		} {
			var got string
			if err := c.QueryRow(ctx, tc.query, tc.args...).Scan(&got); err != nil {
				t.Errorf("%s: %s %v: %v", mode, tc.query, tc.args, err)
			} else if got != tc.want {
				t.Errorf("%s: %s %v = %q, want %q", mode, tc.query, tc.args, got, tc.want)
			}
		}
	}
	c := connect(t, addr, "")
	rows, _ := c.Query(ctx, "SELECT a, c, amount FROM t WHERE a <= $1 ORDER BY a", 2)
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var a int32
		var c string
		var amount pgtype.Numeric
		err := r.Scan(&a, &c, &amount)
		return fmt.Sprint(a, c, norm(amount)), err
	})
	if err != nil || !reflect.DeepEqual(got, []string{"1n1numeric 1.25", "2n2numeric 2.50"}) {
		t.Errorf("rows of t: %v, %v", got, err)
	}
}
