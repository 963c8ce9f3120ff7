package dialect

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/digitalservices/elt/internal/testutil/pgtest"
)

// rows are the test table t in both engines: NULLs, ties (n), a string with
// a quote and a backslash, one with a multi-byte letter.
const (
	duckTable = `CREATE TABLE t (id INTEGER, g VARCHAR, s VARCHAR, n INTEGER, x DECIMAL(10,2), d DOUBLE, ts TIMESTAMP, b BOOLEAN)`
	pgTable   = `CREATE TABLE t (id integer, g text, s text, n integer, x numeric(10,2), d double precision, ts timestamp, b boolean)`
	rows      = `INSERT INTO t VALUES
		(1, 'a', 'Hello', 3, 12.50, 1.5, '2024-01-01 10:00:00', true),
		(2, 'a', 'héllo world', 3, NULL, 2.5, '2024-01-01 10:00:30.123456', false),
		(3, 'b', NULL, NULL, 3.00, NULL, '2024-02-29 23:59:59', NULL),
		(4, 'b', 'a"b\c', 7, -0.05, -1, NULL, true),
		(5, 'c', 'ABC', 7, 1234567.10, 0, '2023-12-31 00:00:00', false)`
)

// mappingCases exercise each entry of the function table: a select list per row of
// t, or, with agg, per group g.
var mappingCases = []struct {
	fns  string // the table entries covered
	expr string
	agg  bool
}{
	{"->> json_extract_string", `json_extract_string('{"a": {"b": "' || g || '"}, "n": 1}', '$.a.b'), CAST('{"k": "v", "z": null}' AS JSON)->>'k', json_extract_string(CAST('{"n": 2}' AS JSON), 'n'), json_extract_string('{"z": null}', '$.z'), json_extract_string('{"y": 1}', '$.x')`, false},
	{"substr substring split_part reverse repeat", "substr(s, 2, 3) || substring(s, 1, 2) || split_part(coalesce(s, 'x y'), ' ', 2) || reverse(s) || repeat(g, 2)", false},
	{"pow power log10", "pow(n, 2), power(d, 2), round(log10(abs(n) + 1), 6)", false},
	{"stddev stddev_samp", "round(stddev(n), 6), round(stddev_samp(d), 6)", true},
	{"lower upper trim ltrim rtrim", "lower(s) || upper(s) || trim('  ' || s || ' ') || ltrim(' ' || s) || rtrim(s || ' ')", false},
	{"abs ceil floor sign", "abs(n) + ceil(d) + floor(d) + sign(d)", false},
	{"sqrt ln exp", "sqrt(abs(d)) + ln(abs(d) + 1) + exp(n)", false},
	{"replace lpad rpad md5", "replace(s, 'l', 'L'), lpad(s, 14, '*'), rpad(s, 14, '*'), md5(s)", false},
	{"nullif coalesce ifnull", "coalesce(nullif(n, 3), -1) + ifnull(n, 100)", false},
	{"date_trunc", "date_trunc('hour', ts)", false},
	{"greatest least", "greatest(n, 5) * 100 + least(n, 5)", false},
	{"left right", "left(s, 2), right(s, 2)", false},
	{"count sum avg min max", "count(s), sum(n), avg(x), min(s), max(d)", true},
	{"bool_and bool_or", "bool_and(b), bool_or(b)", true},
	{"count_star", "count(*) FILTER (WHERE n > 3) + count(*)", true},
	{"row_number rank dense_rank ntile", "row_number() OVER (PARTITION BY g ORDER BY id) * 1000 + rank() OVER (ORDER BY n) * 100 + dense_rank() OVER (ORDER BY n DESC) * 10 + ntile(2) OVER (ORDER BY id)", false},
	{"lag lead", "lag(n, 1, 0) OVER (ORDER BY id) * 100 + lead(n) OVER (ORDER BY id)", false},
	{"first_value last_value", "first_value(s) OVER (PARTITION BY g ORDER BY id), last_value(s) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)", false},
	{"now get_current_timestamp", "CAST(now() AS DATE) = current_date AND get_current_timestamp() IS NOT NULL", false},
	{"strlen length", "strlen(s) * 100 + length(s)", false},
	{"contains starts_with", "contains(s, 'l'), starts_with(s, 'He')", false},
	{"regexp_matches regexp_full_match", "regexp_matches(s, 'l+o'), regexp_full_match(s, '[a-zé ]+')", false},
	{"round", "round(x, 1), round(d), round(x), round(CAST(653.425 AS DOUBLE), 2), round(CAST(0.125 AS DOUBLE) + d * 0, 2), round(CAST(-2.5 AS DOUBLE))", false},
	{"avg", "avg(x), avg(n), avg(d), round(avg(x), 1), round(avg(x) * 0 + 653.425, 2)", true},
	{"concat", "concat(s, '-', n)", false},
	{"epoch_ms", "epoch_ms(1700000000123 + CAST(n AS BIGINT)), epoch_ms(CAST(ts AS TIMESTAMP)), epoch_ms(CAST(ts AS DATE))", false},
	{"epoch", "epoch(ts)", false},
	{"to_seconds to_minutes to_hours", "ts + to_seconds(n) + to_minutes(n) + to_hours(n) - INTERVAL 5 MINUTE", false},
	{"to_days to_months to_years", "ts + to_days(n) + to_months(n) - to_years(1)", false},
	{"date_part datepart", "date_part('year', ts), extract(second FROM ts), datepart('dow', ts), date_part('doy', ts)", false},
	{"year quarter month day dayofmonth hour minute second", "year(ts), quarter(ts), month(ts), day(ts), dayofmonth(ts), hour(ts), minute(ts), second(ts), year(CAST(ts AS DATE)), hour(ts) + minute(ts) * 0", false},
	{"dayofweek isodow dayofyear week weekofyear", "dayofweek(ts), isodow(ts), dayofyear(ts), week(ts), weekofyear(ts), week(DATE '2021-01-03'), dayofweek(DATE '2024-03-03')", false},
	{"avg (over a window)", "avg(x) OVER (PARTITION BY g), avg(n) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)", false},
	{"date_diff datediff", "date_diff('hour', ts, TIMESTAMP '2024-03-01 12:34:56'), datediff('day', ts, TIMESTAMP '2024-03-01 00:00:01'), date_diff('month', ts, TIMESTAMP '2025-01-01'), date_diff('year', ts, TIMESTAMP '2025-01-01'), date_diff('minute', ts, TIMESTAMP '2024-03-01 00:00:00'), date_diff('second', ts, TIMESTAMP '2024-03-01 00:00:00')", false},
	{"strftime", "strftime(ts, '%Y-%m-%d %H:%M:%S'), strftime(ts, ' %a %d %b %Y, day %j, %A %B %y %I %p %%')", false},
	{"getvariable", "n + getvariable('v')", false},
	{"string_agg listagg group_concat", "string_agg(s, ',' ORDER BY id) || '|' || listagg(s, '|' ORDER BY s DESC) || '|' || group_concat(s ORDER BY id)", true},
	{"arg_min arg_max", "arg_min(id, x), arg_max(s, (n, id)) FILTER (WHERE b), arg_min(s, (n, id))", true},
	{"min_by max_by", "min_by(id, d) * 10 + max_by(id, d)", true},
	{"to_json", "to_json(map(list(coalesce(s, '?') ORDER BY id), list(CAST(x AS DECIMAL(10,2)) ORDER BY id)))::VARCHAR", true},
	{"to_json", "to_json(map_from_entries(list_sort(list((coalesce(s, '?'), CAST(x AS DECIMAL(10,2)))))))::VARCHAR", true},
	{"to_json", "to_json(map(list(coalesce(s, '?') ORDER BY coalesce(s, '?') DESC), list(CAST(x AS DECIMAL(10,2)) ORDER BY coalesce(s, '?') DESC)))::VARCHAR || to_json(map_from_entries(list_sort(list((coalesce(s, '?'), CAST(x AS DECIMAL(10,2)))), 'DESC', 'NULLS FIRST')))::VARCHAR", true},
}

// TestMappingsOnPostgres runs each mapping's DuckDB form in DuckDB and its
// translation in a real PostgreSQL on the same rows, and compares.
func TestMappingsOnPostgres(t *testing.T) {
	ctx := context.Background()
	db := duck(t)
	pg := openPostgres(t)
	for _, q := range []string{duckTable, rows, "SET VARIABLE v = 3"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{pgTable, rows} {
		if _, err := pg.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	covered := map[string]bool{}
	for _, tc := range mappingCases {
		for _, f := range strings.Fields(tc.fns) {
			covered[f] = true
		}
		q := "SELECT id, " + tc.expr + " FROM t ORDER BY id"
		if tc.agg {
			q = "SELECT g, " + tc.expr + " FROM t GROUP BY g ORDER BY g"
		}
		t.Run(tc.fns, func(t *testing.T) {
			pgSQL, err := Translate(ctx, db, q, Postgres, Options{Vars: map[string]any{"v": 3}})
			if err != nil {
				t.Fatal(err)
			}
			want := result(t, db.DB, q)
			got := result(t, pg, pgSQL)
			if got != want {
				t.Errorf("DuckDB:\n%s\n%s\nPostgreSQL:\n%s\n%s", q, want, pgSQL, got)
			}
		})
	}
	for _, name := range Functions(Postgres) {
		if !covered[name] {
			t.Errorf("the mapping of %s is not tested against PostgreSQL", name)
		}
	}
}

func openPostgres(t *testing.T) *sql.DB {
	t.Helper()
	pg, err := sql.Open("pgx", pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	return pg
}

// result is a query's rows as text, normalised: times to microseconds,
// numbers as shortest decimals, booleans as true/false.
func result(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rs, err := db.Query(q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var b strings.Builder
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(normalise(v))
		}
		b.WriteString("\n")
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func normalise(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999")
	case []byte:
		return normalise(string(x))
	case bool:
		return strconv.FormatBool(x)
	case float64, float32, int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, *big.Int:
		return number(fmt.Sprint(x))
	case string:
		return number(x)
	}
	return number(fmt.Sprint(v))
}

// number writes a number as the shortest decimal of its double; other
// text as is.
func number(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// TestMappingsOnRedshift keeps the Redshift form of each mapping case in
// testdata/redshift/functions.sql (no Redshift to run them on).
func TestMappingsOnRedshift(t *testing.T) {
	db := duck(t)
	var b strings.Builder
	for _, tc := range mappingCases {
		q := "SELECT id, " + tc.expr + " FROM t ORDER BY id"
		if tc.agg {
			q = "SELECT g, " + tc.expr + " FROM t GROUP BY g ORDER BY g"
		}
		got, err := Translate(context.Background(), db, q, Redshift, Options{Vars: map[string]any{"v": 3}})
		if err != nil {
			got = "-- refused: " + err.Error()
		}
		b.WriteString("-- " + tc.fns + "\n" + got + ";\n\n")
	}
	golden := filepath.Join("testdata", "redshift", "functions.sql")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("the Redshift translations differ from %s:\n%s", golden, b.String())
	}
}
