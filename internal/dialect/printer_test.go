package dialect

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// printerCases run in DuckDB and, translated, in PostgreSQL on the rows of
// t (functions_test.go); redshift is a part the Redshift translation holds.
var printerCases = []struct {
	name, sql, redshift string
}{
	{"qualify", "SELECT id, g FROM t QUALIFY row_number() OVER (PARTITION BY g ORDER BY n DESC, id) = 1 ORDER BY id", "WHERE __qualify_1 = 1"},
	{"qualify over a column not selected", "SELECT id FROM t QUALIFY n = max(n) OVER (PARTITION BY g) ORDER BY id", "n AS __qualify_1"},
	{"qualify over *", "SELECT * FROM t QUALIFY rank() OVER (ORDER BY x DESC) <= 2 ORDER BY id", "rank() OVER (ORDER BY x DESC NULLS LAST) AS __qualify_1"},
	{"group by all", "SELECT g, n % 2 AS odd, count(*) AS c, sum(x) AS total FROM t GROUP BY ALL ORDER BY g, odd", "GROUP BY g, n % 2"},
	{"exclude", "SELECT * EXCLUDE (ts, d) FROM t ORDER BY id", "t.id,\n    t.g,"},
	{"order by all", "SELECT g, n, id FROM t ORDER BY ALL DESC", "ORDER BY 1 DESC NULLS LAST, 2 DESC NULLS LAST, 3 DESC NULLS LAST"},
	{"order by all over *", "SELECT * FROM t ORDER BY ALL", "ORDER BY 1 NULLS LAST, 2 NULLS LAST"},
	{"window frames", "SELECT id, sum(n) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS a, count(*) OVER (PARTITION BY g ORDER BY id ROWS UNBOUNDED PRECEDING) AS b FROM t ORDER BY id", "ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING"},
	{"range frame", "SELECT id, sum(n) OVER (ORDER BY ts RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW) AS a FROM t ORDER BY id", ""},
	{"union dedupes", "SELECT n FROM t UNION SELECT n FROM t ORDER BY n", "UNION\n"},
	{"set operations", "(SELECT g FROM t EXCEPT SELECT g FROM t WHERE n = 7) UNION ALL (SELECT g FROM t INTERSECT SELECT 'c') ORDER BY g", "EXCEPT"},
	{"nulls last by default", "SELECT id FROM t ORDER BY n DESC, x, id DESC", "ORDER BY n DESC NULLS LAST, x NULLS LAST, id DESC NULLS LAST"},
	{"nulls first", "SELECT id FROM t ORDER BY n NULLS FIRST, id", "ORDER BY n NULLS FIRST"},
	{"filter", "SELECT g, sum(n) FILTER (WHERE b) AS s, count(*) FILTER (WHERE b) AS c, count(DISTINCT n) FILTER (WHERE NOT b) AS d FROM t GROUP BY g ORDER BY g", "count(CASE WHEN b THEN 1 END)"},
	{"joins and subqueries", "SELECT a.id, b.id AS other FROM t AS a LEFT JOIN t AS b ON b.n = a.n AND b.id <> a.id WHERE a.id IN (SELECT id FROM t WHERE x IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM t AS c WHERE c.id = a.id AND c.s LIKE 'z%') ORDER BY a.id, other", "LEFT JOIN t AS b"},
	{"case between cast", "SELECT id, CASE WHEN n BETWEEN 1 AND 5 THEN 'low' WHEN n IS NULL THEN 'none' ELSE 'high' END AS c, x::INTEGER AS i, n / 2 AS half, s IS DISTINCT FROM 'ABC' AS diff FROM t ORDER BY id", "NOT ((s IS NULL"},
	{"cte and using", "WITH a AS (SELECT id, n FROM t), b AS (SELECT id, s FROM t WHERE s ILIKE 'h%') SELECT id, n, s FROM a JOIN b USING (id) ORDER BY id LIMIT 2 OFFSET 0", "JOIN b USING (id)"},
	{"arg_min on redshift", "SELECT g, arg_min(s, (n, id)) FILTER (WHERE b) AS first_s, count(*) AS c FROM t GROUP BY g ORDER BY g", "FIRST_VALUE(CASE WHEN s IS NOT NULL AND b THEN s END)"},
}

func TestPrinter(t *testing.T) {
	ctx := context.Background()
	db := duck(t)
	pg := openPostgres(t)
	for _, q := range []string{duckTable, rows} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
		if _, err := pg.ExecContext(ctx, strings.Replace(q, duckTable, pgTable, 1)); err != nil {
			t.Fatal(err)
		}
	}
	cols := func(schema, name string) ([]string, error) {
		return []string{"id", "g", "s", "n", "x", "d", "ts", "b"}, nil
	}
	for _, tc := range printerCases {
		t.Run(tc.name, func(t *testing.T) {
			pgSQL, err := Translate(ctx, db, tc.sql, Postgres, Options{Columns: cols})
			if err != nil {
				t.Fatal(err)
			}
			if want, got := result(t, db.DB, tc.sql), result(t, pg, pgSQL); got != want {
				t.Errorf("DuckDB:\n%s\n%s\nPostgreSQL:\n%s\n%s", tc.sql, want, pgSQL, got)
			}
			rs, err := Translate(ctx, db, tc.sql, Redshift, Options{Columns: cols})
			if tc.redshift == "" {
				var e *Error
				if !errors.As(err, &e) {
					t.Errorf("Redshift: want a refusal, got %v\n%s", err, rs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rs, tc.redshift) || strings.Contains(rs, "FILTER") || strings.Contains(rs, "QUALIFY") {
				t.Errorf("Redshift translation lacks %q (or keeps FILTER/QUALIFY):\n%s", tc.redshift, rs)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	db := duck(t)
	for _, tc := range []struct {
		sql       string
		engine    Engine
		construct string
		at        string // the text at the error's offset
	}{
		{"SELECT list_transform([1,2], x -> x + 1) AS l FROM t", Postgres, "list_transform (a lambda)", "list_transform"},
		{"SELECT list_transform([1,2], x -> x + 1) AS l FROM t", Redshift, "list_transform (a lambda)", "list_transform"},
		{"SELECT id, TRY_CAST(s AS INTEGER) FROM t", Postgres, "TRY_CAST", "TRY_CAST"},
		{"SELECT {'a': 1} AS s FROM t", Postgres, "struct_pack", "'a'"},
		{"SELECT id, levenshtein(s, 'x') FROM t", Redshift, "levenshtein", "levenshtein"},
		{"SELECT list(id) FROM t", Postgres, "list", "list"},
		{"SELECT DISTINCT ON (g) g, id FROM t", Redshift, "DISTINCT ON", ""},
		{"SELECT getvariable('nope') FROM t", Postgres, "getvariable('nope')", "getvariable"},
		{"SELECT strftime(ts, '%Q') FROM t", Postgres, "strftime's %Q", "strftime"},
		{"SELECT first_value(n IGNORE NULLS) OVER (ORDER BY id) FROM t", Postgres, "first_value IGNORE NULLS", "first_value"},
		{"SELECT sum(n) OVER (ORDER BY id) FROM t", Redshift, "sum over a running RANGE frame", "sum"},
		{"SELECT * EXCLUDE (id) FROM t", Postgres, "SELECT * EXCLUDE", "*"},
		{"SELECT epoch_ms(ts) FROM t", Postgres, "epoch_ms", "epoch_ms"},
	} {
		_, err := Translate(context.Background(), db, tc.sql, tc.engine, Options{})
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s on %s: want an *Error, got %v", tc.sql, tc.engine, err)
			continue
		}
		if e.Construct != tc.construct || e.Engine != tc.engine {
			t.Errorf("%s: construct %q for %s, want %q for %s (%v)", tc.sql, e.Construct, e.Engine, tc.construct, tc.engine, e)
		}
		if tc.at != "" && (e.Offset < 0 || !strings.HasPrefix(tc.sql[e.Offset:], tc.at)) {
			t.Errorf("%s: offset %d, want where %q starts", tc.sql, e.Offset, tc.at)
		}
	}
	if _, err := Translate(context.Background(), db, "SELECT FROM WHERE", Postgres, Options{}); err == nil || errors.As(err, new(*Error)) {
		t.Errorf("a parse error: got %v", err)
	}
}
