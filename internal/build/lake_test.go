package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestConformanceFromS3 builds every shared conformance case from a bucket
// on a real S3 server (versitygw on loopback): uploaded whole and built
// once, then uploaded one object at a time with a build after each (and a
// full refresh at the end). Gold, quarantine and counts must equal the
// case's expected/, the quarantine's files named s3://bucket/key.
func TestConformanceFromS3(t *testing.T) {
	root := conformanceProject(t)
	srv := testutil.StartS3(t, "lake-conformance")
	for _, dir := range testutil.ConformanceCases(t) {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			testutil.SkipPending(t, dir)
			whole := "s3://lake-conformance/whole/" + name
			srv.UploadDir(filepath.Join(dir, "bronze"), whole)
			p := loadProject(t, root, whole, filepath.Join(t.TempDir(), "w.duckdb"))
			mustBuild(t, p, Options{})
			compareS3(t, dir, p, whole)

			arriving := "s3://lake-conformance/arriving/" + name
			p = loadProject(t, root, arriving, filepath.Join(t.TempDir(), "w.duckdb"))
			// An empty prefix is an empty folder: the first build reads nothing.
			srv.Put(arriving+"/_started", nil)
			for _, rel := range testutil.Arrivals(t, filepath.Join(dir, "bronze")) {
				data, err := os.ReadFile(filepath.Join(dir, "bronze", rel))
				if err != nil {
					t.Fatal(err)
				}
				srv.Put(arriving+"/"+filepath.ToSlash(rel), data)
				mustBuild(t, p, Options{})
			}
			compareS3(t, dir, p, arriving)
			mustBuild(t, p, Options{FullRefresh: true})
			compareS3(t, dir, p, arriving)
		})
	}
}

// compareS3 compares p's warehouse with the case's expected/, the
// quarantine's s3://bucket/prefix/ taken off its file names (and nothing
// else: every name must start with it).
func compareS3(t *testing.T, dir string, p *project.Project, prefix string) {
	t.Helper()
	gold, quarantine, counts := results(t, p)
	rows := strings.Count(strings.TrimSpace(quarantine), "\n") // after the header
	if n := strings.Count(quarantine, ","+prefix+"/"); n != rows {
		t.Fatalf("%d of %d quarantined records are named %s/<key>:\n%s", n, rows, prefix, quarantine)
	}
	testutil.CompareCase(t, dir, gold, strings.ReplaceAll(quarantine, ","+prefix+"/", ","), counts)
}
