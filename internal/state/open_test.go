package state

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/digitalservices/elt/internal/project"
)

// TestOpenSharesMemoryLimit: DuckDB is opened with three quarters of the
// project's memory_limit (project.BufferShare), the rest left to the
// process.
func TestOpenSharesMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	cfg := "version: 1\npaths:\n  warehouse: w.duckdb\nduckdb:\n  memory_limit: 4GiB\n"
	if err := os.WriteFile(filepath.Join(dir, "elt.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := project.Load(dir, project.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), p, Write)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	if err := db.QueryRow("SELECT current_setting('memory_limit')::VARCHAR").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "3.0 GiB" {
		t.Errorf("DuckDB's memory_limit = %s, want 3.0 GiB (three quarters of 4GiB)", got)
	}
}

// DuckDB's buffer manager gets three quarters of memory_limit, at least
// 128MB, and all of a limit up to that; none set leaves DuckDB's.
func TestEngineMemoryLimit(t *testing.T) {
	for _, c := range []struct{ limit, want string }{
		{"", ""},
		{"4GB", "2929687KiB"}, // 3e9 bytes
		{"4GiB", "3145728KiB"},
		{"1GB", "732421KiB"},
		{"150MB", "125000KiB"}, // 3/4 would be 112.5MB: at least 128MB
		{"128MB", "125000KiB"}, // all of it up to 128MB
		{"100MB", "97656KiB"},
		{"64MB", "62500KiB"},
	} {
		if got := EngineMemoryLimit(c.limit); got != c.want {
			t.Errorf("EngineMemoryLimit(%q) = %q, want %q", c.limit, got, c.want)
		}
	}
}
