package discover

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestSweepDownloads: the downloaded copies of a process that no longer
// runs (a build killed with -9) are removed; those of this process and of
// a running one, and any other name, are kept.
func TestSweepDownloads(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("processes are asked about on Linux only")
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	names := map[string]bool{ // name: kept
		fmt.Sprintf("elt-download-%d-123.parquet", dead.Process.Pid): false,
		fmt.Sprintf("elt-download-%d-456.parquet", dead.Process.Pid): false,
		fmt.Sprintf("elt-download-%d-123.parquet", os.Getpid()):      true,
		"elt-download-1-123.parquet":                                 true, // init runs
		"elt-download-123.parquet":                                   true, // no process id
		"elt-download-x-1.parquet":                                   true,
		fmt.Sprintf("elt-download-%d-1.csv", dead.Process.Pid):       true,
		"other.parquet": true,
	}
	var want []string
	for n, kept := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if kept {
			want = append(want, n)
		}
	}
	SweepDownloads(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("after the sweep: %q, want %q", got, want)
	}
}

// TestObjectsOfAPrefix: a source's prefix lists its objects (patterns
// matched relative to it, hidden names and folder markers left out);
// nothing at all under it is an error naming it (a typo in the bucket or
// prefix is not an empty source), and a folder marker alone is an empty
// folder.
func TestObjectsOfAPrefix(t *testing.T) {
	srv := testutil.StartS3(t, "lake-prefix")
	ctx := context.Background()
	srv.Put("s3://lake-prefix/bronze/events/a.ndjson", []byte("{}\n"))
	srv.Put("s3://lake-prefix/bronze/events/sub/b.ndjson", []byte("{}\n"))
	srv.Put("s3://lake-prefix/bronze/events/c.csv", []byte("x\n"))
	srv.Put("s3://lake-prefix/bronze/events/_tmp/d.ndjson", []byte("{}\n"))
	srv.Put("s3://lake-prefix/bronze/events/e.ndjson.part", []byte("{}\n"))
	srv.MakeFolder("s3://lake-prefix/bronze/events/empty")
	l, err := Objects(ctx, Folder{Source: "events", Dir: "s3://lake-prefix/bronze/events", Patterns: []string{"**/*.ndjson"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range l.Files {
		got = append(got, f.Rel)
	}
	if want := []string{"s3://lake-prefix/bronze/events/a.ndjson", "s3://lake-prefix/bronze/events/sub/b.ndjson"}; !slices.Equal(got, want) || !slices.Equal(l.Unmatched, []string{"c.csv"}) {
		t.Fatalf("listed %v (unmatched %v), want %v (unmatched [c.csv])", got, l.Unmatched, want)
	}
	_, err = Objects(ctx, Folder{Source: "users", Dir: "s3://lake-prefix/bronze/usres", Patterns: []string{"*"}})
	if err == nil || !strings.Contains(err.Error(), "source users: nothing under s3://lake-prefix/bronze/usres: check the bucket and prefix") {
		t.Fatalf("a prefix with nothing under it: %v", err)
	}
	srv.MakeFolder("s3://lake-prefix/bronze/users")
	if l, err := Objects(ctx, Folder{Source: "users", Dir: "s3://lake-prefix/bronze/users", Patterns: []string{"*"}}); err != nil || len(l.Files) != 0 {
		t.Fatalf("an empty folder: %v, %v", l.Files, err)
	}
}
