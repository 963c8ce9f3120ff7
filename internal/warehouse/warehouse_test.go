package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t AS SELECT 1 AS a"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := Open(ctx, path, Options{ReadOnly: true, NoFiles: true})
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
		rows, err := ro.Read(ctx, q)
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
		if _, err := ro.Read(ctx, q); !errors.Is(err, ErrSeveralStatements) && !errors.As(err, new(*ReadOnlyError)) {
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
		_, err := ro.Read(ctx, q)
		var qe *QueryError
		if !errors.As(err, &qe) && !errors.As(err, new(*ReadOnlyError)) {
			t.Errorf("%q: %v, want a parser error or a refusal", q, err)
			continue
		}
		if qe != nil && want[1] > 0 && (qe.Line != want[0] || qe.Col != want[1]) {
			t.Errorf("%q: at %d:%d, want %d:%d (%v)", q, qe.Line, qe.Col, want[0], want[1], err)
		}
	}
	if _, err := ro.Read(ctx, "PIVOT t ON a USING count(*)"); !errors.Is(err, ErrPivotValues) {
		t.Errorf("a PIVOT without its values: %v", err)
	}
	if rows, err := ro.Read(ctx, "PIVOT t ON a IN (1, 2) USING count(*)"); err != nil {
		t.Errorf("a PIVOT with its values: %v", err)
	} else {
		rows.Close()
	}
	if _, err := ro.Read(ctx, "SELECT * FROM read_csv('w.csv')"); err == nil || !strings.Contains(err.Error(), "disabled by configuration") {
		t.Errorf("a read of a file with NoFiles: %v", err)
	}
	if entries, err := os.ReadDir("."); err != nil || len(entries) > 0 {
		t.Errorf("refused statements left %v behind (%v)", entries, err)
	}
}

// TestOpenErrors: a '?' in the warehouse path is refused plainly; a file
// that is not a database gets the recovery hint; a missing one read-only
// says to build first.
func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(ctx, filepath.Join(dir, "a?b", "w.duckdb"), Options{}); err == nil || !strings.Contains(err.Error(), "holds a '?'") {
		t.Errorf("'?': %v", err)
	}
	if _, err := Open(ctx, filepath.Join(dir, "none.duckdb"), Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "run `elt build` first") {
		t.Errorf("missing: %v", err)
	}
}

// TestCatalog names the attached warehouse after its file, except DuckDB's
// own catalog names.
func TestCatalog(t *testing.T) {
	for path, want := range map[string]string{"data/warehouse.duckdb": "warehouse", "w.duckdb": "w", "x/memory.duckdb": "warehouse", "temp.db": "warehouse", "shop.db": "shop"} {
		if got := Catalog(path); got != want {
			t.Errorf("Catalog(%s) = %s, want %s", path, got, want)
		}
	}
}

// The settings elt depends on are set, whatever DuckDB's defaults.
func TestSettings(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), Options{Threads: 3, MemoryLimit: "1GB"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for setting, want := range map[string]string{
		"autoinstall_known_extensions": "false",
		"preserve_insertion_order":     "true",
		"threads":                      "3",
		"memory_limit":                 "953.6 MiB",
		"checkpoint_threshold":         "15.2 MiB",
	} {
		var got string
		if err := db.QueryRowContext(ctx, "SELECT current_setting(?)::VARCHAR", setting).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %s, want %s", setting, got, want)
		}
	}
}

// TestStorageVersion: a new warehouse and one an older elt made (DuckDB's
// default format) are both written in StorageVersion's format, and the
// older one's rows stay readable.
func TestStorageVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old := filepath.Join(dir, "old.duckdb")
	plain, err := sql.Open("duckdb", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Exec("CREATE TABLE t AS SELECT range::VARCHAR AS s FROM range(1000)"); err != nil {
		t.Fatal(err)
	}
	plain.Close()
	for _, path := range []string{filepath.Join(dir, "new.duckdb"), old} {
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var version string
		if err := db.QueryRowContext(ctx, "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()").Scan(&version); err != nil {
			t.Fatal(err)
		}
		if version != StorageVersion+"+" {
			t.Errorf("%s: storage version %s, want %s+", filepath.Base(path), version, StorageVersion)
		}
		if path == old {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT count(DISTINCT s) FROM t").Scan(&n); err != nil || n != 1000 {
				t.Errorf("the older warehouse's rows: %d, %v", n, err)
			}
		}
		db.Close()
	}
}
