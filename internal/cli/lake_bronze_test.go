package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/testutil"
)

// The acceptance tests of bronze on S3 (a real versitygw on loopback):
// what elt build does when objects are rewritten, deleted, many, when the
// build is killed while reading them, when the server goes away, and that
// the secret key never shows.

// peopleProject writes a project with one CSV source, people, read from
// bronze (an s3:// prefix), and a silver model of it; extra is added to
// elt.yaml as written.
func peopleProject(t *testing.T, bronze, extra string) string {
	t.Helper()
	proj := t.TempDir()
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), `version: 1
paths:
  bronze: `+bronze+`
duckdb:
  threads: 2
`+extra+`sources:
  people:
    format: csv
    key: id
    fields:
      - {name: id, type: id, required: true}
      - {name: country, type: text}
`)
	testutil.WriteFile(t, filepath.Join(proj, "models", "silver", "people.sql"), "/* materialized: table */\nSELECT id, country FROM bronze.people\n")
	return proj
}

// warehouseState is what a failed build must leave as it was: the rows of
// silver and the manifest, and the successful runs.
func warehouseState(t *testing.T, proj string) string {
	t.Helper()
	return mustElt(t, "--project", proj, "query", "--format", "csv", `SELECT
		(SELECT string_agg(id || '=' || country, ' ' ORDER BY id) FROM silver.people) AS silver,
		(SELECT string_agg(file || ':' || fingerprint || ':' || records, ' ' ORDER BY file) FROM elt.files) AS manifest,
		(SELECT count(*) FROM elt.runs WHERE status = 'success') AS ok`)
}

// TestS3ObjectRewritten: an object rewritten with other bytes after it was
// ingested stops the next build (exit 1) with an error naming it by its
// s3:// address, and nothing is published; the same bytes uploaded again
// (a new last-modified time) are no error: the object is hashed again and
// its manifest row takes its new look, its records not read twice.
func TestS3ObjectRewritten(t *testing.T) {
	srv := testutil.StartS3(t, "lake-rewritten")
	proj := peopleProject(t, "s3://lake-rewritten/bronze", "")
	p1, p2 := "s3://lake-rewritten/bronze/people/p1.csv", "s3://lake-rewritten/bronze/people/p2.csv"
	srv.Put(p1, []byte("id,country\na,US\n"))
	srv.Put(p2, []byte("id,country\nb,US\n"))
	mustElt(t, "--project", proj, "build")
	before := warehouseState(t, proj)
	if !strings.Contains(before, "a=US b=US") || !strings.Contains(before, p2+":") {
		t.Fatalf("first build: %s", before)
	}

	// Other bytes, the same size.
	srv.Put(p2, []byte("id,country\nb,FR\n"))
	code, out, errs := elt(t, "--project", proj, "build")
	if code != ExitFailure || !strings.Contains(errs, "bronze file "+p2+" changed after it was ingested") {
		t.Fatalf("rewritten object: exit %d\n%s%s", code, out, errs)
	}
	if got := warehouseState(t, proj); got != before {
		t.Fatalf("a refused build changed the warehouse:\nbefore %s\nafter  %s", before, got)
	}
	if runs := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT status, coalesce(error LIKE '%"+p2+"%', false) AS named FROM elt.runs ORDER BY run_id"); runs != "status,named\nsuccess,false\nerror,true\n" {
		t.Fatalf("run history: %q", runs)
	}

	// The first bytes again, and p1 uploaded again with its own bytes: both
	// are new objects to S3 (a new last-modified time), the same to elt.
	look := func() string {
		return mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT file, modified_at, etag FROM elt.files ORDER BY file")
	}
	looked := look()
	waitNextSecond(t) // S3's last-modified time is in seconds
	srv.Put(p2, []byte("id,country\nb,US\n"))
	srv.Put(p1, []byte("id,country\na,US\n"))
	mustElt(t, "--project", proj, "build")
	after := warehouseState(t, proj)
	if want := strings.Replace(before, ",1\n", ",2\n", 1); after != want {
		t.Fatalf("same bytes uploaded again:\nwant %s\ngot  %s", want, after)
	}
	if relooked := look(); relooked == looked {
		t.Fatalf("the manifest kept the objects' old look:\n%s", relooked)
	}
	// Hashed again once, then known: the next build reads nothing.
	relooked := look()
	mustElt(t, "--project", proj, "build")
	if look() != relooked {
		t.Fatal("a build with nothing new changed the manifest")
	}
}

// waitNextSecond waits until the wall clock enters its next second.
func waitNextSecond(t *testing.T) {
	t.Helper()
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 50*time.Millisecond)))
}

// TestS3ObjectDeleted: an ingested object deleted from the bucket is
// warned of as a file gone from bronze is, by its s3:// address; a full
// refresh refuses (exit 1) to drop its records, with the message it gives
// for files, and the warehouse keeps them.
func TestS3ObjectDeleted(t *testing.T) {
	srv := testutil.StartS3(t, "lake-deleted")
	proj := peopleProject(t, "s3://lake-deleted/bronze", "")
	p1 := "s3://lake-deleted/bronze/people/p1.csv"
	srv.Put(p1, []byte("id,country\na,US\n"))
	srv.Put("s3://lake-deleted/bronze/people/p2.csv", []byte("id,country\nb,US\n"))
	mustElt(t, "--project", proj, "build")
	u, _ := lake.Parse(p1)
	if err := srv.Store.Delete(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	out := mustElt(t, "--project", proj, "build")
	if !strings.Contains(out, "warning: people: 1 ingested file gone from bronze; its records stay in silver and gold:\n    "+p1) {
		t.Fatalf("build after the delete:\n%s", out)
	}
	before := warehouseState(t, proj)
	code, out, errs := elt(t, "--project", proj, "build", "--full-refresh")
	if code != ExitFailure || !strings.Contains(errs, "--full-refresh would lose the records of 1 ingested file of people that is gone from bronze:\n    "+p1) ||
		!strings.Contains(errs, "--accept-missing") {
		t.Fatalf("full refresh: exit %d\n%s%s", code, out, errs)
	}
	if got := warehouseState(t, proj); got != before || !strings.Contains(got, "a=US b=US") {
		t.Fatalf("a refused full refresh changed the warehouse:\nbefore %s\nafter  %s", before, got)
	}
	// The JSON log names it too, as the same event.
	code, _, errs = elt(t, "--project", proj, "--log-format", "json", "build")
	if code != 0 || !strings.Contains(errs, `"event":"warning",`) || !strings.Contains(errs, `"kind":"missing","source":"people",`) ||
		!strings.Contains(errs, `"files":["`+p1+`"]`) {
		t.Fatalf("json log of a build with a deleted object: exit %d\n%s", code, errs)
	}
}

// TestS3ManyPages: 2,500 objects listed 100 at a time (storage.page_size)
// are each read exactly once: 2,500 rows in the manifest, their records
// all in bronze; a second build reads nothing.
func TestS3ManyPages(t *testing.T) {
	srv := testutil.StartS3(t, "lake-pages")
	proj := peopleProject(t, "s3://lake-pages/bronze", "storage:\n  page_size: 100\n")
	const n = 2500
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan int)
	want := 0
	for i := range n {
		want += 1 + i%3
	}
	for range 16 {
		wg.Go(func() {
			for i := range work {
				var b strings.Builder
				b.WriteString("id,country\n")
				for k := range 1 + i%3 {
					fmt.Fprintf(&b, "p%05d-%d,US\n", i, k)
				}
				u, _ := lake.Parse(fmt.Sprintf("s3://lake-pages/bronze/people/part-%05d.csv", i))
				if err := srv.Store.Put(context.Background(), u, []byte(b.String()), "text/csv"); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	mustElt(t, "--project", proj, "build")
	counts := func() string {
		return mustElt(t, "--project", proj, "query", "--format", "csv", `SELECT count(*) AS files, count(DISTINCT file) AS distinct_files,
			sum(records) AS records, (SELECT count(*) FROM bronze.people) AS bronze, (SELECT count(DISTINCT id) FROM silver.people) AS silver FROM elt.files`)
	}
	w := strconv.Itoa(want)
	if got := counts(); got != "files,distinct_files,records,bronze,silver\n2500,2500,"+w+","+w+","+w+"\n" {
		t.Fatalf("after one build of %d objects (%d records):\n%s", n, want, got)
	}
	mustElt(t, "--project", proj, "build")
	if got := counts(); got != "files,distinct_files,records,bronze,silver\n2500,2500,"+w+","+w+","+w+"\n" {
		t.Fatalf("after a second build:\n%s", got)
	}
	if runs := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT count(DISTINCT run_id) AS runs FROM elt.files"); runs != "runs\n1\n" {
		t.Fatalf("the second build read objects again: %q", runs)
	}
}
