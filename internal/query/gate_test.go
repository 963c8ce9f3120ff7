package query

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/digitalservices/elt/internal/warehouse"
)

// TestRead: queries, and the EXPLAIN (ANALYZE or not) of a query, run;
// anything else is refused before it runs (and before it is bound: nothing
// is created), by DuckDB's own parser, judged by what an EXPLAIN explains;
// a text the parser cannot read is refused with DuckDB's position, never
// run (the gate fails closed). With NoFiles, what gets through cannot touch
// a file either.
func TestRead(t *testing.T) {
	ctx := context.Background()
	t.Chdir(t.TempDir())
	path := filepath.Join(t.TempDir(), "w.duckdb")
	db, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t AS SELECT 1 AS a"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := warehouse.Open(ctx, path, warehouse.Options{ReadOnly: true, NoFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for q, kind := range map[string]string{
		"SELECT * FROM t":                      "",
		"WITH x AS (SELECT 1) SELECT * FROM x": "",
		"DESCRIBE t":                           "",
		"EXPLAIN SELECT 1":                     "",
		"EXPLAIN ANALYZE SELECT * FROM t":      "",
		"EXPLAIN (FORMAT json) SELECT 1":       "",
		"EXPLAIN (ANALYZE) SELECT 1":           "",
		"COPY t TO 'x.csv'":                    "COPY",
		"EXPORT DATABASE 'd'":                  "EXPORT",
		"ATTACH 'x.duckdb'":                    "ATTACH",
		"SET threads = 1":                      "SET",
		"CREATE TABLE u (a INT)":               "CREATE",
		"DROP TABLE t":                         "DROP",
		"INSERT INTO t VALUES (2)":             "INSERT",
		"LOAD json":                            "LOAD",
		"INSTALL httpfs":                       "INSTALL",
		"CALL pragma_version()":                "CALL",
		"EXPLAIN ANALYZE COPY t TO 'x.csv'":    "EXPLAIN COPY",
		"EXPLAIN (ANALYZE) COPY (SELECT 'oops') TO 'w.duckdb' (FORMAT csv)": "EXPLAIN COPY",
		"EXPLAIN (ANALYZE) INSTALL httpfs":                                  "EXPLAIN INSTALL",
		"EXPLAIN (ANALYZE, FORMAT json) DROP TABLE t":                       "EXPLAIN DROP",
		"PRAGMA table_info('t')":                                            "PRAGMA",
		"  -- a comment\nCHECKPOINT":                                        "CHECKPOINT",
		"/* x */ EXPLAIN COPY t TO 'x.csv'":                                 "EXPLAIN",
		"SHOW TABLES":                                                       "",
		"SUMMARIZE t":                                                       "",
		"FROM t":                                                            "",
		"VALUES (1)":                                                        "",
		"SELECT * FROM pragma_table_info('t')":                              "",
	} {
		rows, err := Read(ctx, ro, q)
		var roErr *ReadOnlyError
		switch {
		case kind == "" && err != nil:
			t.Errorf("%s: %v", q, err)
		case kind == "" && err == nil:
			rows.Close()
		case !errors.As(err, &roErr) || roErr.Kind != kind:
			t.Errorf("%s: got %v, want a refusal of %s", q, err, kind)
		}
	}
	for _, q := range []string{"SELECT 1; SELECT 2", "EXPLAIN SELECT 1; SELECT 2", "SELECT 1; COPY t TO 'x.csv'"} {
		if _, err := Read(ctx, ro, q); !errors.Is(err, ErrSeveralStatements) && !errors.As(err, new(*ReadOnlyError)) {
			t.Errorf("%s: %v, want a refusal", q, err)
		}
	}
	// Texts the parser cannot read are refused with its position, not run.
	for q, want := range map[string][2]int{
		"SELEC 1":                  {1, 1},
		"SELECT 1\nFROM (SELECT 2": {2, 15},
		"EXPLAIN (ANALYZE) COPY (SELECT 'oops') TO 'w.duckdb' (FORMAT csv) ;; x": {1, 0},
		"EXPLAIN (FORMAT E'\\') SELECT 1 --') COPY t TO 'x.csv'":                 {1, 0},
	} {
		_, err := Read(ctx, ro, q)
		var qe *warehouse.QueryError
		if !errors.As(err, &qe) && !errors.As(err, new(*ReadOnlyError)) {
			t.Errorf("%q: %v, want a parser error or a refusal", q, err)
			continue
		}
		if qe != nil && want[1] > 0 && (qe.Line != want[0] || qe.Col != want[1]) {
			t.Errorf("%q: at %d:%d, want %d:%d (%v)", q, qe.Line, qe.Col, want[0], want[1], err)
		}
	}
	if _, err := Read(ctx, ro, "PIVOT t ON a USING count(*)"); !errors.Is(err, ErrPivotValues) {
		t.Errorf("a PIVOT without its values: %v", err)
	}
	if rows, err := Read(ctx, ro, "PIVOT t ON a IN (1, 2) USING count(*)"); err != nil {
		t.Errorf("a PIVOT with its values: %v", err)
	} else {
		rows.Close()
	}
	if _, err := Read(ctx, ro, "SELECT * FROM read_csv('w.csv')"); err == nil || !strings.Contains(err.Error(), "disabled by configuration") {
		t.Errorf("a read of a file with NoFiles: %v", err)
	}
	if entries, err := os.ReadDir("."); err != nil || len(entries) > 0 {
		t.Errorf("refused statements left %v behind (%v)", entries, err)
	}
}

// TestGateCarets: a text the gate refuses as unparsable gets its column in
// characters, not bytes, where the parser's LINE context has none (an end
// of input) or draws it by bytes (multi-byte characters before the error):
// the gate then takes json_serialize_sql's position, so a caret drawn Col-1
// spaces in stands under the offending character.
func TestGateCarets(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		name, query string
		line        int    // the error's line
		at          string // the text the caret stands under (its start)
	}{
		{"gate: extraction", "SELECT 'ééé' AS a,, 1", 1, ","},
		{"gate: end of input", "SELECT 'é日', \n  'ñ' +", 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			var rows interface{ Close() error }
			if rows, err = Read(ctx, db, tc.query); err == nil {
				rows.Close()
			}
			qe := warehouse.AsQueryError(err)
			if qe == nil || qe.Line != tc.line || qe.Col < 1 {
				t.Fatalf("%v: %+v, want line %d with a column", err, qe, tc.line)
			}
			src := strings.Split(tc.query, "\n")[qe.Line-1]
			runes := []rune(src)
			caret := strings.Repeat(" ", qe.Col-1) + "^"
			if tc.at == "" {
				// At the end of the line.
				if qe.Col != len(runes)+1 {
					t.Errorf("column %d, want %d (past the end of %q)", qe.Col, len(runes)+1, src)
				}
				return
			}
			if qe.Col > len(runes) || !strings.HasPrefix(string(runes[qe.Col-1:]), tc.at) {
				t.Errorf("the caret stands under the wrong character:\n%s\n%s\nwant it under %q (column %d of %d characters, %d bytes)", src, caret, tc.at, qe.Col, len(runes), len(src))
			}
			if utf8.RuneCountInString(caret) != qe.Col {
				t.Errorf("caret %q", caret)
			}
		})
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
	rw, err := warehouse.Open(ctx, path, warehouse.Options{Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := rw.Exec("CREATE TABLE t AS SELECT 1 AS a; CREATE SEQUENCE s; CREATE VIEW v AS SELECT * FROM t"); err != nil {
		f.Fatal(err)
	}
	rw.Close()
	db, err := warehouse.Open(ctx, path, warehouse.Options{ReadOnly: true, NoFiles: true, Threads: 1})
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
		if err := Allow(ctx, db, text); err != nil {
			return
		}
		if n, err := warehouse.CountStatements(text); err != nil || n != 1 {
			t.Fatalf("%q passed the gate but DuckDB's parser reads %d statements (%v)", text, n, err)
		}
		// Short: a query that runs on is cancelled well before the fuzzing
		// engine's own deadline, which fails the run when -fuzztime ends
		// while an input still runs (seen once in CI with 2 s).
		ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
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
