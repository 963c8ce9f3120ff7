package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
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
			// Each source's folder is made first (a folder marker, as the S3
			// console makes): an empty prefix is an empty folder.
			for _, src := range []string{"events", "transactions", "users"} {
				srv.MakeFolder(arriving + "/" + src)
			}
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

// TestFormatsFromS3: CSV, NDJSON and Parquet objects build the same silver
// as the same files on disk (the Parquet ones downloaded and removed, none
// left behind); the manifest keeps each object's ETag, and its version id
// on a versioned bucket; a new version with other bytes stops the next
// build, naming the object.
func TestFormatsFromS3(t *testing.T) {
	for _, format := range []string{"csv", "ndjson", "parquet"} {
		t.Run(format, func(t *testing.T) {
			spool := t.TempDir()
			t.Setenv("TMPDIR", spool)
			srv := testutil.StartS3Versioned(t, "lake-"+format)
			proj := testutil.OrdersProject(t, format)
			local := filepath.Join(t.TempDir(), "bronze")
			for k := range testutil.Orders {
				testutil.WriteOrders(t, local, format, k)
			}
			srv.UploadDir(local, "s3://lake-"+format+"/bronze")
			silver := func(bronze string) string {
				p := loadProject(t, proj, bronze, filepath.Join(t.TempDir(), "w.duckdb"))
				mustBuild(t, p, Options{})
				db, err := state.Open(context.Background(), p, state.ReadOnly)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if lake.IsURL(bronze) {
					ids := queryCSV(t, db, "SELECT count(*) FILTER (etag IS NULL OR version_id IS NULL) AS missing, count(*) AS files FROM elt.files")
					if ids != "missing,files\n0,2\n" {
						t.Errorf("the manifest's object identities:\n%s", ids)
					}
				}
				return queryCSV(t, db, "SELECT * EXCLUDE (source_file) FROM silver.orders ORDER BY order_id")
			}
			want := silver(local)
			if got := silver("s3://lake-" + format + "/bronze"); got != want {
				t.Fatalf("silver from S3 differs:\n%s", testutil.Diff("local", want, "s3", got))
			}
			if left, _ := filepath.Glob(filepath.Join(spool, "elt-download-*")); len(left) > 0 {
				t.Fatalf("downloads left behind: %v", left)
			}
		})
	}
}

// TestChangedVersionStops: on a versioned bucket, a new version of an
// ingested object with other bytes stops the build, naming the object; the
// same bytes again do not.
func TestChangedVersionStops(t *testing.T) {
	srv := testutil.StartS3Versioned(t, "lake-changed")
	proj := testutil.OrdersProject(t, "csv")
	local := filepath.Join(t.TempDir(), "bronze")
	testutil.WriteOrders(t, local, "csv", 0)
	srv.UploadDir(local, "s3://lake-changed/bronze")
	p := loadProject(t, proj, "s3://lake-changed/bronze", filepath.Join(t.TempDir(), "w.duckdb"))
	mustBuild(t, p, Options{})
	data, err := os.ReadFile(filepath.Join(local, "orders", "part-0.csv"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Put("s3://lake-changed/bronze/orders/part-0.csv", data) // a new version, same bytes
	mustBuild(t, p, Options{})
	srv.Put("s3://lake-changed/bronze/orders/part-0.csv", append(data, data[strings.IndexByte(string(data), '\n')+1:]...))
	db, err := state.Open(context.Background(), p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = (&Builder{Project: p, DB: db}).Run(context.Background(), Options{})
	var ce *ingest.ChangedError
	if !errors.As(err, &ce) || ce.File != "s3://lake-changed/bronze/orders/part-0.csv" {
		t.Fatalf("a new version with other bytes: %v, want a ChangedError naming the object", err)
	}
}

// TestLegacyFingerprintsFromS3: objects whose manifest rows hold the bare
// sha256 of an older elt are fingerprinted in sha256 again, whether
// streamed (CSV) or downloaded for DuckDB (Parquet): a new version with the
// same bytes reads nothing, a version with other bytes stops the build,
// and a full refresh names only that object as changed and keeps every
// object in XXH3.
func TestLegacyFingerprintsFromS3(t *testing.T) {
	for _, format := range []string{"csv", "parquet"} {
		t.Run(format, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			bucket := "lake-legacy-" + format
			srv := testutil.StartS3Versioned(t, bucket)
			proj := testutil.OrdersProject(t, format)
			local := filepath.Join(t.TempDir(), "bronze")
			for k := range testutil.Orders {
				testutil.WriteOrders(t, local, format, k)
			}
			srv.UploadDir(local, "s3://"+bucket+"/bronze")
			p := loadProject(t, proj, "s3://"+bucket+"/bronze", filepath.Join(t.TempDir(), "w.duckdb"))
			mustBuild(t, p, Options{})
			ctx := context.Background()
			db, err := state.Open(ctx, p, state.Write)
			if err != nil {
				t.Fatal(err)
			}
			objects := map[string][]byte{}
			for k := range testutil.Orders {
				name := fmt.Sprintf("part-%d.%s", k, map[string]string{"csv": "csv", "parquet": "parquet"}[format])
				data, err := os.ReadFile(filepath.Join(local, "orders", name))
				if err != nil {
					t.Fatal(err)
				}
				key := "s3://" + bucket + "/bronze/orders/" + name
				objects[key] = data
				sum := sha256.Sum256(data)
				res, err := db.ExecContext(ctx, "UPDATE elt.files SET fingerprint = ? WHERE file = ?", hex.EncodeToString(sum[:]), key)
				if n, _ := res.RowsAffected(); err != nil || n != 1 {
					t.Fatalf("the manifest's row of %s: %d rows, %v", key, n, err)
				}
			}
			db.Close()
			kinds := func() string {
				return queryProject(t, p, "SELECT count(*) FILTER (fingerprint LIKE 'xxh3:%') AS xxh3, count(*) AS files FROM elt.files")
			}
			legacy := fmt.Sprintf("xxh3,files\n0,%d\n", len(objects))
			for key, data := range objects {
				srv.Put(key, data) // a new version, same bytes
			}
			if r := ingested(t, mustBuild(t, p, Options{}), "orders"); r.Files != 0 || len(r.Changed) != 0 {
				t.Fatalf("new versions with the same bytes: %+v", r)
			}
			if got := kinds(); got != legacy {
				t.Fatalf("after new versions with the same bytes: %q, want %q", got, legacy)
			}
			key := "s3://" + bucket + "/bronze/orders/" + map[string]string{"csv": "part-0.csv", "parquet": "part-0.parquet"}[format]
			other := objects["s3://"+bucket+"/bronze/orders/"+map[string]string{"csv": "part-1.csv", "parquet": "part-1.parquet"}[format]]
			srv.Put(key, other)
			db, err = state.Open(ctx, p, state.Write)
			if err != nil {
				t.Fatal(err)
			}
			_, err = (&Builder{Project: p, DB: db}).Run(ctx, Options{})
			db.Close()
			var ce *ingest.ChangedError
			if !errors.As(err, &ce) || ce.File != key || len(ce.Was) != 64 || len(ce.Now) != 64 {
				t.Fatalf("a version with other bytes: %v, want a ChangedError naming %s in sha256", err, key)
			}
			// A full refresh compares each object in its old kind (only the
			// rewritten one changed) and keeps every object in XXH3.
			if r := ingested(t, mustBuild(t, p, Options{FullRefresh: true}), "orders"); r.Files != len(objects) || !slices.Equal(r.Changed, []string{key}) {
				t.Fatalf("full refresh: %d objects read, changed %q, want %s", r.Files, r.Changed, key)
			}
			if got, want := kinds(), fmt.Sprintf("xxh3,files\n%d,%d\n", len(objects), len(objects)); got != want {
				t.Fatalf("after a full refresh: %q, want %q", got, want)
			}
		})
	}
}
