package dialect

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
	{"* replace", "SELECT * REPLACE (n * 2 AS n, upper(s) AS s) FROM t ORDER BY id", "t.g,\n    upper(s) AS s,\n    n * 2 AS n,"},
	{"* rename", "WITH r AS (SELECT * RENAME (n AS m, t.g AS grp) FROM t) SELECT id, m, grp FROM r ORDER BY id", "t.n AS m"},
	{"* exclude qualified", "SELECT * EXCLUDE (t.x, d) FROM t AS t ORDER BY id", "t.n,\n    t.ts,"},
	{"t.* exclude qualified", "SELECT u.* EXCLUDE (u.x, u.ts) FROM t AS u ORDER BY id", "u.d,\n    u.b\n"},
	{"* exclude rename over a join", "SELECT * EXCLUDE (b.s, b.ts, a.x) RENAME (b.g AS g2, a.n AS a_n) FROM t AS a JOIN t AS b ON b.id = a.id ORDER BY a.id", "b.g AS g2"},
	{"group by all over * replace", "SELECT * REPLACE (n % 2 AS n), count(*) AS c FROM (SELECT g, n FROM t) GROUP BY ALL ORDER BY ALL", "GROUP BY g, n % 2"},
	{"semi join", "SELECT a.id FROM t AS a SEMI JOIN t AS b ON b.g = a.g AND b.id <> a.id WHERE a.n IS NOT NULL ORDER BY a.id", "WHERE (a.n IS NOT NULL)\n  AND (EXISTS (\n    SELECT 1\n    FROM t AS b"},
	{"anti join over a subquery", "SELECT id, g FROM t AS a ANTI JOIN (SELECT g, count(*) AS c FROM t GROUP BY g) AS k ON k.g = a.g AND k.c > 1 ORDER BY id", "WHERE NOT EXISTS ("},
	{"semi under anti", "SELECT a.id FROM t AS a SEMI JOIN t AS b ON b.id = a.id + 1 ANTI JOIN t AS c ON c.id = a.id - 1 ORDER BY a.id", "AND (NOT EXISTS ("},
	{"full join using", "SELECT id, a.s, b.n FROM (SELECT id, s FROM t WHERE id < 4) AS a FULL JOIN (SELECT id, n FROM t WHERE id > 2) AS b USING (id) ORDER BY id", "FULL JOIN"},
	{"full join on", "SELECT a.id, b.id AS other FROM t AS a FULL OUTER JOIN t AS b ON b.n = a.n + 4 ORDER BY a.id, other", "FULL JOIN t AS b"},
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
		{"SELECT g, count(*) FROM t GROUP BY ROLLUP (g)", Postgres, "ROLLUP, CUBE or GROUPING SETS", "g)"},
		{"SELECT g, n, count(*) FROM t GROUP BY CUBE (g, n)", Redshift, "ROLLUP, CUBE or GROUPING SETS", "g, n)"},
		{"SELECT g, count(*) FROM t GROUP BY GROUPING SETS ((g), ())", Postgres, "ROLLUP, CUBE or GROUPING SETS", "g), ())"},
		{"SELECT count(*) FROM t USING SAMPLE 10", Postgres, "USING SAMPLE (TABLESAMPLE)", ""},
		{"SELECT count(*) FROM t TABLESAMPLE 5%", Postgres, "USING SAMPLE (TABLESAMPLE)", ""},
		{"SELECT * REPLACE (1 AS id) FROM t", Postgres, "SELECT * REPLACE", "*"},
		{"SELECT * RENAME (id AS i) FROM t", Redshift, "SELECT * RENAME", "*"},
		{"SELECT t.* EXCLUDE (t.id) FROM t", Postgres, "SELECT * EXCLUDE", "t.*"},
		{"SELECT COLUMNS('i') FROM t", Postgres, "COLUMNS(...)", "COLUMNS"},
		{"SELECT id FROM t UNION BY NAME SELECT id FROM t", Postgres, "UNION BY NAME", "id FROM t UNION"},
		{"SELECT * FROM (VALUES (1, 2), (3, 4)) AS v(a, b)", Redshift, "FROM expression_list", "1, 2"},
		{"SELECT a.id FROM t AS a SEMI JOIN t AS b USING (id)", Postgres, "SEMI JOIN with USING", ""},
		{"SELECT a.id FROM t AS a JOIN (t AS b ANTI JOIN t AS c ON c.id = b.id) ON a.id = b.id", Postgres, "REGULAR ANTI JOIN", ""},
		{"SELECT g, to_json(map_from_entries(list((s, x))))::VARCHAR FROM t GROUP BY g", Postgres, "to_json", "to_json"},
		{"SELECT g, to_json(map_from_entries(list_sort(list((s, x) ORDER BY id))))::VARCHAR FROM t GROUP BY g", Redshift, "to_json", "to_json"},
		{"SELECT g, to_json(map_from_entries(list_sort(list(s))))::VARCHAR FROM t GROUP BY g", Postgres, "to_json", "to_json"},
		{"SELECT to_json(map_from_entries(list_sort(list((s, x)) OVER ())))::VARCHAR FROM t", Postgres, "to_json", "to_json"},
		{"SELECT g, to_json(map_from_entries(list_sort(list((s, x)), 'DE' || 'SC', 'NULLS LAST')))::VARCHAR FROM t GROUP BY g", Postgres, "to_json", "to_json"},
		{"SELECT g, to_json(map_from_entries(list_sort()))::VARCHAR FROM t GROUP BY g", Postgres, "to_json", "to_json"},
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

// TestCheck: under Options.Check, a * over tables whose columns are not
// known translates (their columns assumed); what has no translation is
// still refused; without Check, or when the columns are known and lack
// what the * names, it is refused.
func TestCheck(t *testing.T) {
	db := duck(t)
	cols := func(schema, name string) ([]string, error) { return []string{"id", "n"}, nil }
	for _, tc := range []struct {
		sql     string
		opts    Options
		refused string // the construct refused, "" when it translates
	}{
		{"SELECT * EXCLUDE (x) FROM silver.events", Options{Check: true}, ""},
		{"SELECT * EXCLUDE (x) FROM silver.events", Options{}, "SELECT * EXCLUDE"},
		{"WITH c AS (SELECT * REPLACE (n + 1 AS n) FROM s.a AS a(i)) SELECT * EXCLUDE (q) RENAME (n AS m) FROM c JOIN s.b AS b ON b.id = c.i QUALIFY row_number() OVER (ORDER BY m) = 1 ORDER BY ALL", Options{Check: true}, ""},
		{"SELECT g, * REPLACE (n % 2 AS n) FROM s.t GROUP BY ALL", Options{Check: true}, ""},
		{"SELECT * REPLACE (list_transform([1], x -> x + 1) AS n) FROM s.t", Options{Check: true}, "list_transform (a lambda)"},
		{"SELECT * EXCLUDE (x) FROM s.t", Options{Check: true, Columns: cols}, "SELECT * EXCLUDE"},
		{"SELECT * RENAME (n AS m) FROM s.t", Options{Columns: cols}, ""},
		{"SELECT * REPLACE (a.n + 1 AS n) FROM s.t AS a JOIN s.t AS b USING (id)", Options{Columns: cols}, "SELECT * REPLACE"},
		{"SELECT * REPLACE (a.n + 1 AS n) FROM s.t AS a JOIN s.t AS b ON a.id = b.id", Options{Columns: cols}, "SELECT * REPLACE"},
	} {
		for _, e := range Engines {
			out, err := Translate(context.Background(), db, tc.sql, e, tc.opts)
			var re *Error
			switch {
			case tc.refused == "" && err != nil:
				t.Errorf("%s (%+v) on %s: %v", tc.sql, tc.opts.Check, e, err)
			case tc.refused != "" && (!errors.As(err, &re) || re.Construct != tc.refused):
				t.Errorf("%s (%+v) on %s: want %s refused, got %v\n%s", tc.sql, tc.opts.Check, e, tc.refused, err, out)
			}
		}
	}
}

// TestSavedQueries: every saved query shipped in sql/ at the repository's
// root translates for each engine (elt compile and query --target do).
func TestSavedQueries(t *testing.T) {
	db := duck(t)
	files, err := filepath.Glob(filepath.Join("..", "..", "sql", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no saved queries in ../../sql (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range Engines {
			if _, err := Translate(context.Background(), db, string(b), e, Options{}); err != nil {
				t.Errorf("%s on %s: %v", f, e, err)
			}
		}
	}
}
