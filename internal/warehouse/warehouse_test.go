package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestKilledWhileCreating kills, with SIGKILL at 20 random moments, a
// process that creates one new warehouse after another (the test binary
// run again, which opens ELT_TEST_CREATE-0, -1, ... until it is killed):
// every warehouse it left opens. DuckDB alone creates a database file and
// then writes its headers, a fraction of a millisecond later; a process
// killed between the two left a file no DuckDB opens again (seen once, in
// TestKilledInPostgres). The window is too narrow for a test to hit each
// time: this one checks that no moment leaves a warehouse that does not
// open.
func TestKilledWhileCreating(t *testing.T) {
	if path := os.Getenv("ELT_TEST_CREATE"); path != "" {
		for i := 0; ; i++ {
			db, err := Open(context.Background(), fmt.Sprintf("%s-%d", path, i), Options{})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			db.Close()
		}
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	opened := 0
	for round := 0; round < 20; round++ {
		path := filepath.Join(dir, fmt.Sprintf("w%d.duckdb", round))
		cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledWhileCreating$")
		cmd.Env = append(os.Environ(), "ELT_TEST_CREATE="+path)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50*time.Millisecond + time.Duration(rng.Int64N(int64(200*time.Millisecond))))
		cmd.Process.Kill()
		cmd.Wait()
		if stderr.Len() > 0 {
			t.Fatalf("the process creating warehouses failed: %s", stderr.String())
		}
		for i := 0; ; i++ {
			p := fmt.Sprintf("%s-%d", path, i)
			if _, err := os.Stat(p); err != nil {
				break
			}
			db, err := Open(context.Background(), p, Options{})
			if err != nil {
				t.Fatalf("a warehouse killed as it was created does not open: %v", err)
			}
			db.Close()
			opened++
		}
	}
	t.Logf("%d warehouses created before 20 kills opened again", opened)
}

// TestLogWithoutWarehouse: a write-ahead log left beside no database (a
// warehouse removed, its log not) is discarded as the warehouse is created,
// as DuckDB does, not replayed into it nor refused.
func TestLogWithoutWarehouse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	if err := os.WriteFile(path+".wal", []byte("a log of a warehouse since removed"), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t AS SELECT 1 AS a"); err != nil {
		t.Fatal(err)
	}
	for _, leftover := range []string{path + ".new", path + ".new.wal"} {
		if _, err := os.Stat(leftover); err == nil {
			t.Errorf("%s was left", leftover)
		}
	}
}
