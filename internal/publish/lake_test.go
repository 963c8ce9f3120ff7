package publish

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/testutil"
)

// lakeFixture is exportFixture exported to S3: s3://<bucket>/out.
type lakeFixture struct {
	*exportFixture
	srv *testutil.S3
	out lake.URL
	dir string // s3://<bucket>/out/gold/feat
}

func newLakeFixture(t *testing.T, bucket string) *lakeFixture {
	f := &lakeFixture{exportFixture: newExportFixture(t), srv: testutil.StartS3(t, bucket)}
	f.out = lake.URL{Bucket: bucket, Key: "out"}
	f.dir = "s3://" + bucket + "/out/gold/feat"
	return f
}

func (f *lakeFixture) write(t *testing.T, runID int64) lake.URL {
	t.Helper()
	rows, manifest, published, err := WriteLake(context.Background(), f.db, f.srv.Store, f.model, f.out, t.TempDir(), runID)
	if err != nil || rows != 5 || !published {
		t.Fatalf("export of run %d: %d rows, published %v, %v", runID, rows, published, err)
	}
	return manifest
}

// runs are the names right under the model's prefix: objects, and the
// run= folders holding objects.
func (f *lakeFixture) runs(t *testing.T) []string {
	t.Helper()
	set := map[string]bool{}
	for u := range f.srv.Objects(f.dir) {
		run, _, _ := strings.Cut(strings.TrimPrefix(u, f.dir+"/"), "/")
		set[run] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// manifestRun checks the manifest of a format names exactly the objects of
// one run under <format>/, with their sizes, and returns that run.
func (f *lakeFixture) manifestRun(t *testing.T, format string) string {
	t.Helper()
	entries := f.srv.Manifest(f.dir + "/" + ManifestName(format))
	objects := f.srv.Objects(f.dir)
	run := ""
	for u, n := range entries {
		r, rest, _ := strings.Cut(strings.TrimPrefix(u, f.dir+"/"), "/")
		if run != "" && r != run {
			t.Fatalf("the %s manifest names runs %s and %s", format, run, r)
		}
		run = r
		if !strings.HasPrefix(rest, format+"/") {
			t.Fatalf("the %s manifest names %s", format, u)
		}
		if size, ok := objects[u]; !ok || size != n {
			t.Fatalf("the %s manifest names %s (%d bytes), found %v (%d bytes)", format, u, n, ok, size)
		}
	}
	for u := range objects {
		if strings.HasPrefix(u, f.dir+"/"+run+"/"+format+"/") && entries[u] == 0 {
			t.Fatalf("%s is in run %s but not in its %s manifest", u, run, format)
		}
	}
	return run
}

// read downloads the files the manifests name and reads them with DuckDB:
// the versions their rows hold.
func (f *lakeFixture) read(t *testing.T) string {
	t.Helper()
	var got []string
	for _, format := range []string{"parquet", "csv"} {
		run := f.manifestRun(t, format)
		local := t.TempDir()
		f.srv.Download(f.dir+"/"+run+"/"+format, local)
		reader := "read_parquet(%s)"
		if format == "csv" {
			reader = "read_csv(%s, header = true)"
		}
		var n, ids int64
		var vs string
		q := fmt.Sprintf("SELECT count(*), sum(id), string_agg(DISTINCT CAST(v AS VARCHAR), ',') FROM "+reader, sqlname.Literal(filepath.Join(local, "*")))
		if err := f.db.QueryRowContext(context.Background(), q).Scan(&n, &ids, &vs); err != nil {
			t.Fatalf("the %s export is not readable: %v", format, err)
		}
		if n != 5 || ids != 15 {
			t.Fatalf("the %s export holds %d rows (ids summing to %d), want ids 1 to 5", format, n, ids)
		}
		got = append(got, vs)
	}
	if got[0] != got[1] {
		t.Fatalf("parquet holds version %s, csv %s", got[0], got[1])
	}
	return got[0]
}

// TestWriteLakeRuns: each export to S3 is a new run= folder published by
// its manifests, which name exactly its files with their sizes; the last
// two runs are kept (keep_runs' default), older ones and uploads no
// manifest names are deleted, and a run id met again gets a folder of its
// own rather than overwrite a published run.
func TestWriteLakeRuns(t *testing.T) {
	f := newLakeFixture(t, "lake-runs")
	if m := f.write(t, 1); m.String() != f.dir+"/manifest" {
		t.Fatalf("the manifest reported is %s", m)
	}
	if run, v := f.manifestRun(t, "parquet"), f.read(t); run != "run=1" || v != "1" {
		t.Fatalf("first export: run %s, version %s", run, v)
	}
	f.version(t, 2)
	f.write(t, 2)
	if run, v := f.manifestRun(t, "parquet"), f.read(t); run != "run=2" || v != "2" {
		t.Fatalf("second export: run %s, version %s", run, v)
	}
	if got := f.runs(t); !slices.Equal(got, []string{"_published", "manifest", "manifest.csv", "run=1", "run=2"}) {
		t.Fatalf("after two exports: %v", got)
	}
	// A build killed while uploading run 3: its files, no manifest.
	f.srv.Put(f.dir+"/run=3/parquet/data.parquet", []byte("half"))
	f.version(t, 4)
	f.write(t, 4)
	if got := f.runs(t); !slices.Equal(got, []string{"_published", "manifest", "manifest.csv", "run=2", "run=4"}) {
		t.Fatalf("after the third export and a killed one: %v", got)
	}
	if v := f.read(t); v != "4" {
		t.Fatalf("third export holds version %s", v)
	}
	// A warehouse made again counts its runs from 1 again: a run id met
	// before gets a folder of its own, not the published run's.
	f.version(t, 5)
	f.write(t, 4)
	if run, v := f.manifestRun(t, "csv"), f.read(t); run != "run=4-2" || v != "5" {
		t.Fatalf("an export with a run id met before: run %s, version %s", run, v)
	}
	if got := f.runs(t); !slices.Equal(got, []string{"_published", "manifest", "manifest.csv", "run=4", "run=4-2"}) {
		t.Fatalf("after a run id met again: %v", got)
	}
}

// TestWriteLakeKeepAndFormats: keep_runs 1 keeps only the run published;
// a format no longer exported loses its manifest; a manifest written by a
// build killed before _published is still counted as published.
func TestWriteLakeKeepAndFormats(t *testing.T) {
	f := newLakeFixture(t, "lake-keep")
	f.write(t, 1)
	f.write(t, 2)
	// Killed after the manifests, before _published: run 3 is published.
	f.srv.Put(f.dir+"/_published", []byte(`["1"]`+"\n"))
	f.model = model(t, "export:\n  formats: [parquet]\n  keep_runs: 1\n")
	f.write(t, 3)
	if got := f.runs(t); !slices.Equal(got, []string{"_published", "manifest", "run=3"}) {
		t.Fatalf("keep_runs 1, parquet only: %v", got)
	}
	f.model = model(t, "export:\n  formats: [parquet]\n  keep_runs: 3\n")
	f.write(t, 4)
	f.write(t, 5)
	f.write(t, 6)
	if got := f.runs(t); !slices.Equal(got, []string{"_published", "manifest", "run=4", "run=5", "run=6"}) {
		t.Fatalf("keep_runs 3: %v", got)
	}
}

// TestWriteLakeFailure: an export whose query fails uploads nothing and
// leaves the previous run published; one that cannot reach S3 says so,
// and leaves no local files behind.
func TestWriteLakeFailure(t *testing.T) {
	f := newLakeFixture(t, "lake-fail")
	f.write(t, 1)
	tmp := t.TempDir()
	if _, _, published, err := WriteLake(context.Background(), f.db, f.srv.Store, failing(t), f.out, tmp, 2); err == nil || published || !strings.Contains(err.Error(), "no partition") {
		t.Fatalf("an export whose query fails: published %v, %v", published, err)
	}
	if run, v := f.manifestRun(t, "parquet"), f.read(t); run != "run=1" || v != "1" {
		t.Fatalf("after a failed export: run %s, version %s", run, v)
	}
	if got := f.runs(t); !slices.Equal(got, []string{"_published", "manifest", "manifest.csv", "run=1"}) {
		t.Fatalf("after a failed export: %v", got)
	}
	f.srv.Stop()
	_, _, _, err := WriteLake(context.Background(), f.db, f.srv.Store, f.model, f.out, tmp, 3)
	if err == nil || !strings.Contains(err.Error(), "cannot reach the S3 server") {
		t.Fatalf("with S3 gone: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
		t.Fatalf("left in the temporary folder: %v", left)
	}
}
