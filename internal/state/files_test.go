package state

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/warehouse"
)

// TestRecordFiles: files enter the manifest as given, NULL where a file
// has no ETag, in one statement per 500 files.
func TestRecordFiles(t *testing.T) {
	ctx := context.Background()
	db := migrated(t)
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 500, 1201} {
		source := fmt.Sprintf("s%d", n)
		var files []Ingested
		for i := range n {
			f := Ingested{File: fmt.Sprintf("f%04d.json", i), Fingerprint: fmt.Sprintf("x%d", i), Records: int64(i),
				Look: Look{Size: int64(10 * i), ModTime: at.Add(time.Duration(i) * time.Second), ChangeTime: at, Inode: uint64(i)}}
			if i%2 == 1 {
				f.Look.ETag = fmt.Sprintf("e%d", i)
			}
			files = append(files, f)
		}
		if err := PublishedBooks.RecordFiles(ctx, db, source, 7, files); err != nil {
			t.Fatalf("%d files: %v", n, err)
		}
		var rows, records, size, etags, run int64
		var last string
		if err := db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(records), 0), coalesce(sum(size), 0), count(etag), coalesce(min(run_id), 7), coalesce(max(file), '')
			FROM elt.files WHERE source = ?`, source).Scan(&rows, &records, &size, &etags, &run, &last); err != nil {
			t.Fatal(err)
		}
		want := int64(n) * int64(n-1) / 2
		if rows != int64(n) || records != want || size != 10*want || etags != int64(n/2) || run != 7 || (n > 0 && last != fmt.Sprintf("f%04d.json", n-1)) {
			t.Errorf("%d files: %d rows, %d records, %d bytes, %d ETags, run %d, last %q", n, rows, records, size, etags, run, last)
		}
	}
}

// migrated opens a warehouse file of the test's, migrated, closed when the
// test ends.
func migrated(t *testing.T) *warehouse.DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Migrate(db.DB); err != nil {
		t.Fatal(err)
	}
	return db
}
