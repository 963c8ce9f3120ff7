package warehouse

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

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
		"allocator_background_threads": "true",
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
