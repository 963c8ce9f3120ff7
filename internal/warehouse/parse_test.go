package warehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStatements: statements are separated as DuckDB's parser reads them,
// whatever the quoting (E” escapes, dollar quotes, doubled quotes) or the
// comments; a text it cannot parse is an error at its line and column.
func TestStatements(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []Statement
	}{
		{"two", "CREATE MACRO a(x) AS x;\nCREATE MACRO b(x) AS x + 1;\n",
			[]Statement{{"CREATE MACRO a(x) AS x", 0}, {"CREATE MACRO b(x) AS x + 1", 24}}},
		{"comments and blank lines", "-- one; not a split\n\n/* two;\nlines */\nCREATE MACRO a(x) AS\n  x;  -- trailing\n",
			[]Statement{{"CREATE MACRO a(x) AS\n  x", 38}}},
		{"semicolons in quotes", "CREATE MACRO s() AS 'a;b''c;';\nCREATE MACRO q() AS \"x;y\";",
			[]Statement{{"CREATE MACRO s() AS 'a;b''c;'", 0}, {"CREATE MACRO q() AS \"x;y\"", 31}}},
		{"no final semicolon", "\n\nCREATE MACRO a() AS 1", []Statement{{"CREATE MACRO a() AS 1", 2}}},
		{"empty", " ;\n; -- nothing\n", nil},
		// The payload: an E'' string whose backslash escapes the
		// quote, so DuckDB reads three statements where a splitter that
		// knows only '' reads one.
		{"E string", `CREATE MACRO m1() AS E'\''; UPDATE g.t SET a = 999; COPY (SELECT 'pwn') TO '/tmp/pwn.csv'; --';`,
			[]Statement{{`CREATE MACRO m1() AS E'\''`, 0}, {"UPDATE g.t SET a = 999", 28}, {"COPY (SELECT 'pwn') TO '/tmp/pwn.csv'", 52}}},
		{"dollar quotes", "CREATE MACRO m1() AS $$;$$; DELETE FROM t; --$$;",
			[]Statement{{"CREATE MACRO m1() AS $$;$$", 0}, {"DELETE FROM t", 28}}},
		{"a semicolon in a line comment", "CREATE MACRO a() AS 1 -- x; y\n; CREATE MACRO b() AS 2",
			[]Statement{{"CREATE MACRO a() AS 1 -- x; y", 0}, {"CREATE MACRO b() AS 2", 32}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Statements(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			for _, s := range got {
				if !strings.HasPrefix(tc.text[s.Offset:], s.SQL) {
					t.Errorf("%q is not at offset %d", s.SQL, s.Offset)
				}
			}
		})
	}
	_, err := Statements("CREATE MACRO a() AS 1;\nCREATE MACRO b() AS 'x")
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Line != 2 || qe.Col != 21 || !strings.Contains(qe.Msg, "unterminated quoted string") {
		t.Errorf("an unterminated string: %#v", err)
	}
}

// gatePayloads are texts that tried to get a write past elt query's gate,
// or through a file kind elt runs: the seeds of FuzzGate.
var gatePayloads = []string{
	"EXPLAIN (ANALYZE) COPY (SELECT 'oops') TO 'w.duckdb' (FORMAT csv)",
	"EXPLAIN (ANALYZE) INSTALL httpfs",
	"EXPLAIN ANALYZE COPY t TO 'x.csv'",
	"EXPLAIN (FORMAT E'\\') SELECT 1 --') COPY t TO 'x.csv'",
	"explain\tanalyse\nCREATE TABLE u AS SELECT 1",
	"SELECT 1; COPY t TO 'x.csv'",
	"SELECT 1 WHERE false) t; UPDATE t SET a = 0; --",
	"CREATE MACRO m1() AS E'\\''; UPDATE t SET a = 999; --';",
	"CREATE MACRO m1() AS $$x$$; DELETE FROM t",
	"/* EXPLAIN */ ATTACH 'y.duckdb'",
	"SELECT * FROM t",
	"WITH x AS (SELECT 1) SELECT * FROM x",
	"EXPLAIN SELECT 1",
	"SUMMARIZE t",
	"PRAGMA table_info('t')",
	"CALL checkpoint()",
	"SELECT * FROM checkpoint()",
	"SET VARIABLE x = 1",
	"SELECT setseed(0.5)",
	"SELECT nextval('s')",
	"EXPORT DATABASE 'd'",
	"VACUUM",
	"DETACH w",
	"USE memory",
	"BEGIN; INSERT INTO t VALUES (2); COMMIT",
	"EXPLAIN(A)SELECT''", // found by the fuzzer: a body that parses in a text that does not
}

// FuzzGate: whatever the text, Allow does not panic; a text it lets
// through is exactly one statement to DuckDB's parser; and run as elt query
// runs it (the warehouse attached read-only, with no access to files), it
// writes nothing: the tables, their rows, the catalog's objects, the
// settings, the warehouse file and the folder are as they were.
func FuzzGate(f *testing.F) {
	for _, p := range gatePayloads {
		f.Add(p)
	}
	ctx := context.Background()
	dir := f.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	rw, err := Open(ctx, path, Options{Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := rw.Exec("CREATE TABLE t AS SELECT 1 AS a; CREATE SEQUENCE s; CREATE VIEW v AS SELECT * FROM t"); err != nil {
		f.Fatal(err)
	}
	rw.Close()
	db, err := Open(ctx, path, Options{ReadOnly: true, NoFiles: true, Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	const fingerprint = `SELECT concat_ws(' | ', (SELECT string_agg(a::VARCHAR, ',') FROM t),
		(SELECT string_agg(concat_ws('.', database_name, schema_name, table_name, estimated_size), ',' ORDER BY database_name, schema_name, table_name) FROM duckdb_tables()),
		(SELECT count(*) FROM duckdb_views()), (SELECT count(*) FROM duckdb_functions() WHERE NOT internal),
		(SELECT count(*) FROM duckdb_databases()), (SELECT string_agg(concat_ws('=', name, value), ',' ORDER BY name) FROM duckdb_settings()),
		(SELECT string_agg(concat_ws('=', sequence_name, last_value), ',') FROM duckdb_sequences()))`
	state := func() string {
		var fp string
		if err := db.QueryRow(fingerprint).Scan(&fp); err != nil {
			f.Fatal(err)
		}
		// The package's folder too: a relative path is written there (a
		// failing input is kept under testdata/ only when the run ends).
		if entries, err := os.ReadDir("."); err == nil {
			for _, e := range entries {
				fp += "\n./" + e.Name()
			}
		}
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				info, _ := d.Info()
				fp += fmt.Sprintf("\n%s %d %v", p, info.Size(), info.ModTime())
			}
			return nil
		})
		return fp
	}
	before := state()
	f.Fuzz(func(t *testing.T, text string) {
		if err := db.Allow(ctx, text); err != nil {
			return
		}
		if n, err := countStatements(text); err != nil || n != 1 {
			t.Fatalf("%q passed the gate but DuckDB's parser reads %d statements (%v)", text, n, err)
		}
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if rows, err := db.QueryContext(ctx, text); err == nil {
			for rows.Next() {
			}
			rows.Close()
		}
		if after := state(); after != before {
			t.Fatalf("%q passed the gate and changed the warehouse or its folder:\n%s\n%s", text, before, after)
		}
	})
}
