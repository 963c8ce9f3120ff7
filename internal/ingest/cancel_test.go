package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/ingest/discover"
)

// TestCancelDoesNotWaitForHash: cancelling an ingestion (Ctrl-C) while a
// reader hashes a large file returns at once with the context's error, and
// every reader has finished by then (none holds a bronze file open).
func TestCancelDoesNotWaitForHash(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tx := memTx(t)
	bronze := t.TempDir()
	dir := filepath.Join(bronze, "events")
	os.MkdirAll(dir, 0o755)
	// 64 GiB of holes: hashing it takes minutes, reading it takes no disk.
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 30); err != nil {
		t.Skip("no sparse files:", err)
	}
	f.Close()
	src := sources(t, bronze)[0]
	src.Format = contract.Parquet // only hashed before DuckDB would read it
	files, err := discover.Discover(context.Background(), src.Folder())
	if err != nil || len(files.Files) != 1 {
		t.Fatal(files, err)
	}
	time.AfterFunc(300*time.Millisecond, cancel)
	t0 := time.Now()
	_, err = Ingest(ctx, tx, src, files.Files, Options{RunID: 1})
	if took := time.Since(t0); !errors.Is(err, context.Canceled) || took > 5*time.Second {
		t.Fatalf("after %v: %v, want context.Canceled at once", took, err)
	}
	if open := openFiles(t, big); open > 0 {
		t.Errorf("%d readers still hold %s open after Ingest returned", open, big)
	}
}

// openFiles counts this process's descriptors open on path.
func openFiles(t *testing.T, path string) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && target == path {
			n++
		}
	}
	return n
}
