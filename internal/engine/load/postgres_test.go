package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/testutil/pgtest"
	"github.com/digitalservices/elt/internal/warehouse"
)

func openDuck(t *testing.T) *warehouse.DB {
	return testutil.MemoryDB(t)
}

func connectPG(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	return conn
}

// canonicalJSON is a JSON text with its keys sorted and its spaces
// dropped, numbers as written: jsonb keeps its own key order and spacing.
func canonicalJSON(s string) string {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "not JSON: " + s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// sameFloat compares two texts of a double as numbers (DuckDB writes inf
// and -0.0 where PostgreSQL writes Infinity and -0).
func sameFloat(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && (x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y))
}

// TestCopyTypes copies a DuckDB table holding every type elt's sources
// produce (and NULL in each) into PostgreSQL, and compares the text
// PostgreSQL gives back with DuckDB's text of the same values.
func TestCopyTypes(t *testing.T) {
	ctx := context.Background()
	duck := openDuck(t)
	pg := connectPG(t)
	type column struct {
		duckType string
		values   []string // DuckDB SQL expressions
		// duckText and pgText, when set, are the expressions each side's
		// text is read with (a format both write alike).
		duckText, pgText string
		same             func(duck, pg string) bool
	}
	cases := map[string]column{
		"varchar":       {duckType: "VARCHAR", values: []string{`'plain'`, `'ünïcødé 😀 日本'`, `''`, `'it''s \ "quoted"'`, `'tab' || chr(9) || 'newline' || chr(10) || 'end'`}},
		"varchar_n":     {duckType: "VARCHAR(20)", values: []string{`'short'`, `'ünï'`}},
		"decimal_10_2":  {duckType: "DECIMAL(10,2)", values: []string{`12.30`, `-0.01`, `99999999.99`, `0`}},
		"decimal_38_10": {duckType: "DECIMAL(38,10)", values: []string{`'1234567890123456789012345678.0123456789'`, `'-0.0000000001'`, `'-9999999999999999999999999999.9999999999'`}},
		"big":           {duckType: "BIGINT", values: []string{`9223372036854775807`, `-9223372036854775808`, `0`}},
		"int":           {duckType: "INTEGER", values: []string{`2147483647`, `-2147483648`, `42`}},
		"small":         {duckType: "SMALLINT", values: []string{`-32768`}},
		"tiny":          {duckType: "TINYINT", values: []string{`-128`, `127`}},
		"ubig":          {duckType: "UBIGINT", values: []string{`18446744073709551615`}},
		"huge":          {duckType: "HUGEINT", values: []string{`'-12345678901234567890123456789012345678'`}},
		"dbl":           {duckType: "DOUBLE", values: []string{`0.1`, `'NaN'`, `'Infinity'`, `'-Infinity'`, `1e300`, `-2.5e-300`, `-0.0`}, same: sameFloat},
		"flt":           {duckType: "REAL", values: []string{`1.5`, `'NaN'`}, same: sameFloat},
		"bool":          {duckType: "BOOLEAN", values: []string{`true`, `false`}},
		"day":           {duckType: "DATE", values: []string{`'2024-02-29'`, `'1970-01-01'`, `'9999-12-31'`}},
		"ts":            {duckType: "TIMESTAMP", values: []string{`'2024-02-29 13:14:15.123456'`, `'1970-01-01 00:00:00'`, `'1899-12-31 23:59:59.000001'`}},
		"tstz":          {duckType: "TIMESTAMP WITH TIME ZONE", values: []string{`'2024-02-29 13:14:15.5+02'`, `'2000-01-01 00:00:00+00'`}},
		"js":            {duckType: "JSON", values: []string{`'{"b": 1, "a": "ünï 😀", "n": 1.50, "arr": [1, null, true]}'`, `'"just a string"'`, `'[]'`}, same: func(d, p string) bool { return canonicalJSON(d) == canonicalJSON(p) }},
		"id":            {duckType: "UUID", values: []string{`'0190f1a2-3b4c-7d5e-8f60-718293a4b5c6'`, `'00000000-0000-0000-0000-000000000000'`}},
		"bin":           {duckType: "BLOB", values: []string{`'\x00\xFFab'::BLOB`, `''::BLOB`}, duckText: "lower(hex(%s))", pgText: "encode(%s, 'hex')"},
		"span":          {duckType: "INTERVAL", values: []string{`INTERVAL '1 year 2 months 3 days 04:05:06.789'`, `INTERVAL '-5 days'`}, same: func(d, p string) bool { return d == strings.ReplaceAll(p, "mons", "months") }},
		"tod":           {duckType: "TIME", values: []string{`'13:14:15.123456'`, `'00:00:00'`}},
		"todtz":         {duckType: "TIME WITH TIME ZONE", values: []string{`'13:14:15+02'`, `'23:59:59.5-05:30'`}},
	}
	var names []string
	rows := 1 // the last row is all NULL
	for name, c := range cases {
		names = append(names, name)
		rows = max(rows, len(c.values)+1)
	}
	// One table: row i has each column's i-th value, NULL past its values.
	var defs, selects []string
	for _, name := range names {
		c := cases[name]
		defs = append(defs, sqlname.Ident(name)+" "+c.duckType)
		expr := "CASE"
		for i, v := range c.values {
			expr += fmt.Sprintf(" WHEN n = %d THEN CAST(%s AS %s)", i, v, c.duckType)
		}
		selects = append(selects, expr+" END")
	}
	if _, err := duck.ExecContext(ctx, "CREATE TABLE src (n BIGINT, "+strings.Join(defs, ", ")+")"); err != nil {
		t.Fatal(err)
	}
	if _, err := duck.ExecContext(ctx, fmt.Sprintf("INSERT INTO src SELECT n, %s FROM range(%d) r(n)", strings.Join(selects, ", "), rows)); err != nil {
		t.Fatal(err)
	}

	query := "SELECT * FROM src ORDER BY n;"
	cols, err := Columns(ctx, duck, query)
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != len(names)+1 || cols[0] != (Column{"n", "BIGINT"}) {
		t.Fatalf("Columns = %v", cols)
	}
	table := sqlname.Qualified("bronze", "All Types")
	ddl, err := CreateTable(dialect.Postgres, table, cols)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := pg.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "CREATE SCHEMA bronze"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, ddl); err != nil {
		t.Fatalf("%v\n%s", err, ddl)
	}
	n, err := Copy(ctx, duck, query, tx, table, cols)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(rows) {
		t.Fatalf("Copy copied %d rows, want %d", n, rows)
	}

	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			c := cases[name]
			col := sqlname.Ident(name)
			duckExpr, pgExpr := "CAST("+col+" AS VARCHAR)", col+"::text"
			if c.duckText != "" {
				duckExpr, pgExpr = fmt.Sprintf(c.duckText, col), fmt.Sprintf(c.pgText, col)
			}
			want := readDuck(t, duck, "SELECT "+duckExpr+" FROM src ORDER BY n")
			got := readPG(t, tx, "SELECT "+pgExpr+" FROM "+table.String()+" ORDER BY n")
			if len(got) != len(want) {
				t.Fatalf("%d rows in PostgreSQL, %d in DuckDB", len(got), len(want))
			}
			for i := range want {
				if want[i] == nil || got[i] == nil {
					if want[i] != nil || got[i] != nil {
						t.Errorf("row %d: DuckDB %v, PostgreSQL %v", i, show(want[i]), show(got[i]))
					}
					continue
				}
				same := *want[i] == *got[i]
				if c.same != nil {
					same = c.same(*want[i], *got[i])
				}
				if !same {
					t.Errorf("row %d: DuckDB %q, PostgreSQL %q", i, *want[i], *got[i])
				}
			}
			if got[rows-1] != nil {
				t.Errorf("the NULL row holds %q in PostgreSQL", *got[rows-1])
			}
		})
	}
}

func show(s *string) string {
	if s == nil {
		return "NULL"
	}
	return strconv.Quote(*s)
}

func readDuck(t *testing.T, duck warehouse.Querier, q string) []*string {
	t.Helper()
	rows, err := duck.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []*string
	for rows.Next() {
		var s *string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func readPG(t *testing.T, tx pgx.Tx, q string) []*string {
	t.Helper()
	rows, err := tx.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[*string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCopyStreams copies 200,000 rows generated by DuckDB and checks the
// count, the sums on both sides, and that the Go heap never held the rows
// (they are about 50MB as Go values; the heap stays far below).
func TestCopyStreams(t *testing.T) {
	ctx := context.Background()
	duck := openDuck(t)
	pg := connectPG(t)
	const total = 200_000
	query := fmt.Sprintf("SELECT i AS id, repeat(chr(97 + (i %% 26)::INTEGER), 200) AS pad, (i / 100)::DECIMAL(12,2) AS amount FROM range(%d) r(i)", total)
	cols, err := Columns(ctx, duck, query)
	if err != nil {
		t.Fatal(err)
	}
	table := sqlname.Qualified("public", "big")
	ddl, err := CreateTable(dialect.Postgres, table, cols)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := pg.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, ddl); err != nil {
		t.Fatal(err)
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	n, err := Copy(ctx, duck, query, tx, table, cols)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if n != total {
		t.Fatalf("Copy copied %d rows, want %d", n, total)
	}
	grew := int64(peak.Load()) - int64(before.HeapAlloc)
	t.Logf("heap grew by at most %.1f MB while copying", float64(grew)/1e6)
	if grew > 24<<20 {
		t.Errorf("the heap grew by %d MB while copying: the rows were held, not streamed", grew>>20)
	}
	var count, sumID int64
	var sumAmount, pads string
	if err := tx.QueryRow(ctx, "SELECT count(*), sum(id), sum(amount)::text, count(DISTINCT pad) FROM public.big").Scan(&count, &sumID, &sumAmount, &pads); err != nil {
		t.Fatal(err)
	}
	var duckSum string
	if err := duck.QueryRowContext(ctx, "SELECT CAST(sum(amount) AS VARCHAR) FROM ("+query+")").Scan(&duckSum); err != nil {
		t.Fatal(err)
	}
	if count != total || sumID != total*(total-1)/2 || sumAmount != duckSum || pads != "26" {
		t.Errorf("PostgreSQL holds %d rows, sum(id) %d, sum(amount) %s, %s distinct pads; want %d, %d, %s, 26", count, sumID, sumAmount, pads, total, total*(total-1)/2, duckSum)
	}
}

// TestCopyRefuses: what cannot be copied is said with the table, the row
// and the column, and what to do.
func TestCopyRefuses(t *testing.T) {
	ctx := context.Background()
	duck := openDuck(t)
	pg := connectPG(t)
	for _, tc := range []struct {
		name, query string
		cols        []Column // nil: Columns of the query
		want        string
	}{
		{"nul character", "SELECT 'a' || chr(0) || 'b' AS note", nil, `copy into public.t: row 1, column "note": the text holds a NUL character`},
		{"columns not as given", "SELECT 1 AS a, 2 AS b", []Column{{"a", "INTEGER"}}, `the query's columns are ("a" INTEGER, "b" INTEGER), not ("a" INTEGER) as given`},
		{"not a query", "SELEC 1", []Column{{"a", "INTEGER"}}, "read the columns of the query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cols := tc.cols
			if cols == nil {
				var err error
				if cols, err = Columns(ctx, duck, tc.query); err != nil {
					t.Fatal(err)
				}
			}
			tx, err := pg.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			ddl, err := CreateTable(dialect.Postgres, "public.t", cols)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, ddl); err != nil {
				t.Fatal(err)
			}
			_, err = Copy(ctx, duck, tc.query, tx, "public.t", cols)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Copy: %v; want an error with %q", err, tc.want)
			}
		})
	}
}

func TestCreateTable(t *testing.T) {
	cols := []Column{{"id", "BIGINT"}, {"Name", "VARCHAR"}, {"amount", "DECIMAL(10,2)"}, {"at", "TIMESTAMP WITH TIME ZONE"}}
	for _, tc := range []struct {
		engine dialect.Engine
		cols   []Column
		want   string // the statement, or a part of the error
		err    bool
	}{
		{dialect.Postgres, cols, "CREATE TABLE IF NOT EXISTS \"bronze\".\"orders\" (\n  \"id\" bigint,\n  \"name\" text,\n  \"amount\" numeric(10,2),\n  \"at\" timestamptz\n)", false},
		{dialect.Redshift, cols, "CREATE TABLE IF NOT EXISTS \"bronze\".\"orders\" (\n  \"id\" BIGINT,\n  \"name\" VARCHAR(65535),\n  \"amount\" DECIMAL(10,2),\n  \"at\" TIMESTAMPTZ\n)", false},
		{dialect.Postgres, append(cols, Column{"tags", "VARCHAR[]"}, Column{"attrs", "STRUCT(a INTEGER)"}), "create \"bronze\".\"orders\" on postgres:\n  column \"tags\": the DuckDB type VARCHAR[] (a list, struct or map) has no translation for PostgreSQL: turn it into text with to_json(...)::VARCHAR in the model\n  column \"attrs\": the DuckDB type STRUCT(a INTEGER)", true},
		{dialect.Redshift, append(cols, Column{"tags", "MAP(VARCHAR, INTEGER)"}), "column \"tags\": the DuckDB type MAP(VARCHAR, INTEGER) (a list, struct or map) is not loaded into Redshift", true},
		{dialect.Redshift, append(cols[:1:1], Column{"payload", "JSON"}), "CREATE TABLE IF NOT EXISTS \"bronze\".\"orders\" (\n  \"id\" BIGINT,\n  \"payload\" VARCHAR(65535)\n)", false},
		{dialect.Postgres, nil, "create \"bronze\".\"orders\": no columns", true},
	} {
		got, err := CreateTable(tc.engine, sqlname.Qualified("bronze", "orders"), tc.cols)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CreateTable(%s, %v): %q, %v; want an error with %q", tc.engine, tc.cols, got, err, tc.want)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CreateTable(%s): %v\n%s\nwant\n%s", tc.engine, err, got, tc.want)
		}
	}
}

func TestIdentifier(t *testing.T) {
	for _, tc := range []struct {
		in   sqlname.Relation
		want pgx.Identifier
		err  bool
	}{
		{sqlname.Qualified("bronze", "orders"), pgx.Identifier{"bronze", "orders"}, false},
		{sqlname.Qualified(`we"ird.schema`, "Name"), pgx.Identifier{`we"ird.schema`, "Name"}, false},
		{sqlname.Temp("t"), pgx.Identifier{"t"}, false},
		{"Public.T", pgx.Identifier{"public", "t"}, false},
		{`"open`, nil, true},
		{`"a"x`, nil, true},
		{`a..b`, nil, true},
	} {
		got, err := identifier(tc.in)
		if (err != nil) != tc.err || !bytes.Equal([]byte(fmt.Sprint(got)), []byte(fmt.Sprint(tc.want))) {
			t.Errorf("identifier(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
