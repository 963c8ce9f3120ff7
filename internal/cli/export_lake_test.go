package cli

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/testutil"
)

// lakeOut is where the S3 export tests export: --output s3://elt-exports/out.
const lakeOut = "s3://elt-exports/out"

// lakeModel is the exported model's prefix on S3.
const lakeModel = lakeOut + "/gold/user_session_analysis"

// checkLakeRun checks the manifest of a format under the model's prefix:
// absent, or naming only objects of one run, each there with the size it
// says, and every file of that run's format folder (one complete run). It
// returns the run= folder named ("" when none).
func checkLakeRun(t *testing.T, srv *testutil.S3, format string) string {
	t.Helper()
	name := "manifest"
	if format == "csv" {
		name += ".csv"
	}
	entries := srv.Manifest(lakeModel + "/" + name)
	if entries == nil {
		return ""
	}
	objects := srv.Objects(lakeModel)
	run := ""
	for u, n := range entries {
		r, rest, _ := strings.Cut(strings.TrimPrefix(u, lakeModel+"/"), "/")
		if (run != "" && r != run) || !strings.HasPrefix(r, "run=") || !strings.HasPrefix(rest, format+"/") {
			t.Fatalf("the %s manifest names %s (and run %s)", format, u, run)
		}
		run = r
		if size, ok := objects[u]; !ok || size != n {
			t.Fatalf("the %s manifest names %s of %d bytes; there: %v, %d bytes", format, u, n, ok, size)
		}
	}
	for u := range objects {
		if strings.HasPrefix(u, lakeModel+"/"+run+"/"+format+"/") {
			if _, ok := entries[u]; !ok {
				t.Fatalf("%s is in %s but not in its %s manifest", u, run, format)
			}
		}
	}
	if len(entries) == 0 {
		t.Fatalf("the %s manifest names no file", format)
	}
	return run
}

// lakeTop are the names right under the model's prefix (objects, and the
// folders holding objects).
func lakeTop(t *testing.T, srv *testutil.S3) []string {
	t.Helper()
	set := map[string]bool{}
	for u := range srv.Objects(lakeOut) {
		if !strings.HasPrefix(u, lakeModel+"/") {
			t.Fatalf("%s is under the output, outside the exported model's prefix", u)
		}
		top, _, _ := strings.Cut(strings.TrimPrefix(u, lakeModel+"/"), "/")
		set[top] = true
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkLakeClean: after a successful build, every object under the output
// is a manifest, _published, or in a run _published keeps, the newest of
// which the manifests name; it returns the runs kept.
func checkLakeClean(t *testing.T, srv *testutil.S3) []string {
	t.Helper()
	run := checkLakeRun(t, srv, "parquet")
	if csv := checkLakeRun(t, srv, "csv"); csv != run {
		t.Fatalf("the manifests name %s and %s", run, csv)
	}
	ids := published(t, srv)
	if len(ids) == 0 || len(ids) > 2 || "run="+ids[len(ids)-1] != run {
		t.Fatalf("_published lists %v; the manifests name %s", ids, run)
	}
	want := []string{"_published", "manifest", "manifest.csv"}
	for _, id := range ids {
		want = append(want, "run="+id)
	}
	slices.Sort(want)
	if got := lakeTop(t, srv); !slices.Equal(got, want) {
		t.Fatalf("under %s: %v, want %v", lakeModel, got, want)
	}
	return ids
}

// published are the run ids _published lists.
func published(t *testing.T, srv *testutil.S3) []string {
	t.Helper()
	var ids []string
	if data := srv.Get(lakeModel + "/_published"); data != nil {
		if err := json.Unmarshal(data, &ids); err != nil {
			t.Fatalf("_published: %s: %v", data, err)
		}
	}
	return ids
}

var publishedRe = regexp.MustCompile(`(?m)^published run (\d+)$`)

// TestExportToS3 builds with the output on S3: each build's files go under
// run=<its id>, the manifests name exactly them, the Parquet read back is
// the model's rows; the previous run stays (keep_runs 2), the one before
// is deleted, and so is a killed build's upload; elt ddl --copy of the
// output loads from the manifest.
func TestExportToS3(t *testing.T) {
	srv := testutil.StartS3(t, "elt-exports")
	proj := copyProject(t, repoRoot(t), t.TempDir())
	gen := []string{"--project", proj}
	base := append(gen, "--output", lakeOut)
	build := func(batch string) string {
		args := append(gen, "generate", "--dirty", "0", "--events", "3000", "--users", "50", "--days", "3", "--seed", strconv.Itoa(len(batch)))
		if batch != "" {
			args = append(args, "--batch", batch)
		}
		mustElt(t, args...)
		out := mustElt(t, append(base, "build")...)
		m := publishedRe.FindStringSubmatch(out)
		if m == nil || !strings.Contains(out, "-> "+lakeModel+"/manifest\n") {
			t.Fatalf("build:\n%s", out)
		}
		return "run=" + m[1]
	}
	first := build("")
	if run := checkLakeRun(t, srv, "parquet"); run != first {
		t.Fatalf("the manifest names %s, the build was %s", run, first)
	}
	// The Parquet read back is the model's rows, as the DDL types them.
	local := t.TempDir()
	srv.Download(lakeModel+"/"+first+"/parquet", filepath.Join(local, "gold", "user_session_analysis", "parquet"))
	checkExport(t, base, local, "gold.user_session_analysis")
	glob := strings.ReplaceAll(filepath.Join(local, "gold", "user_session_analysis", "parquet", "**", "*.parquet"), "'", "''")
	if diff := readFiles(t, proj, "csv", "SELECT count(*) AS n FROM ((SELECT session_id, user_id, CAST(amount AS DOUBLE) FROM read_parquet('"+glob+
		"') EXCEPT ALL SELECT session_id, user_id, CAST(amount AS DOUBLE) FROM gold.user_session_analysis) UNION ALL (SELECT session_id, user_id, CAST(amount AS DOUBLE) FROM gold.user_session_analysis EXCEPT ALL SELECT session_id, user_id, CAST(amount AS DOUBLE) FROM read_parquet('"+glob+"')))"); diff != "n\n0\n" {
		t.Fatalf("the Parquet on S3 and the table differ in %s rows", diff)
	}
	second := build("bb")
	if got := checkLakeClean(t, srv); !slices.Equal(got, []string{strings.TrimPrefix(first, "run="), strings.TrimPrefix(second, "run=")}) {
		t.Fatalf("after two builds the runs kept are %v", got)
	}
	// A build killed while uploading: files no manifest names.
	srv.Put(lakeModel+"/run=9999/parquet/dt=2026-11-01/data_0.parquet", []byte("half"))
	third := build("ccc")
	if got := checkLakeClean(t, srv); !slices.Equal(got, []string{strings.TrimPrefix(second, "run="), strings.TrimPrefix(third, "run=")}) {
		t.Fatalf("after three builds the runs kept are %v", got)
	}

	ddl := append(base, "ddl", "--iam-role", "arn:aws:iam::1:role/load", "--copy")
	if out := mustElt(t, append(ddl, lakeOut, "gold.user_session_analysis")...); !strings.Contains(out,
		"COPY gold.user_session_analysis\nFROM '"+lakeModel+"/manifest'\nIAM_ROLE 'arn:aws:iam::1:role/load'\nMANIFEST\nFORMAT AS PARQUET;\nCOMMIT;\n") {
		t.Errorf("ddl --copy of the output:\n%s", out)
	}
	if out := mustElt(t, append(ddl, strings.Replace(lakeOut, "s3://", "S3://", 1)+"//", "gold.user_session_analysis")...); !strings.Contains(out, "/manifest'\nIAM_ROLE") {
		t.Errorf("ddl --copy of the output written another way (S3://, trailing slashes):\n%s", out)
	}
	if out := mustElt(t, append(ddl, lakeOut)...); strings.Contains(out, "silver.") {
		t.Errorf("ddl --copy of the output loads models it does not export:\n%s", out)
	}
	if code, _, stderr := elt(t, append(ddl, "s3://AK:topsecret42@lake/x")...); code != ExitUsage || strings.Contains(stderr, "topsecret42") {
		t.Errorf("ddl --copy with credentials in the address: exit %d\n%s", code, stderr)
	}
	if out := mustElt(t, append(ddl, "s3://elsewhere/x", "gold.user_session_analysis")...); !strings.Contains(out,
		"FROM 's3://elsewhere/x/gold/user_session_analysis/parquet/'\nIAM_ROLE 'arn:aws:iam::1:role/load'\nFORMAT AS PARQUET;") {
		t.Errorf("ddl --copy of another prefix:\n%s", out)
	}
}

var exportSecondsRe = regexp.MustCompile(`(?m)^export  gold\.user_session_analysis .* (\d+\.\d+)s  -> `)

// killDuringUpload runs elt build (args) in a child process and, once the
// first object of a new run is on S3 (a run= folder not in before), waits
// delay and kills it with SIGKILL. It reports whether the upload was seen
// before the child ended on its own.
func killDuringUpload(t *testing.T, srv *testutil.S3, before []string, delay time.Duration, args ...string) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(args, "build")...)
	cmd.Env = append(os.Environ(), "ELT_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	for {
		select {
		case <-done:
			return false
		case <-time.After(2 * time.Millisecond):
		}
		for _, top := range lakeTop(t, srv) {
			if strings.HasPrefix(top, "run=") && !slices.Contains(before, top) {
				time.Sleep(delay)
				cmd.Process.Signal(syscall.SIGKILL)
				<-done
				return true
			}
		}
	}
}

// TestKilledS3Export kills builds (SIGKILL) at random moments while they
// upload their export to S3: after each, each manifest names one complete
// run, every file of it there with its size. One successful build then
// leaves nothing under the output that its kept runs do not hold.
func TestKilledS3Export(t *testing.T) {
	srv := testutil.StartS3(t, "elt-exports")
	t.Setenv("TMPDIR", t.TempDir()) // where killed builds leave their local files
	proj := copyProject(t, repoRoot(t), t.TempDir())
	gen := []string{"--project", proj}
	base := append(gen, "--output", lakeOut)
	mustElt(t, append(gen, "generate", "--dirty", "0", "--events", "100000", "--users", "500", "--days", "20")...)
	out := mustElt(t, append(base, "build")...)
	m := exportSecondsRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("build:\n%s", out)
	}
	export, _ := strconv.ParseFloat(m[1], 64)
	midUpload := 0 // kills that left a run's uploads unpublished
	for attempt := range 10 {
		mustElt(t, append(gen, "generate", "--dirty", "0", "--events", "3000", "--users", "1", "--days", "20", "--seed", strconv.Itoa(10+attempt), "--batch", "k"+strconv.Itoa(attempt))...)
		before := lakeTop(t, srv)
		delay := time.Duration(rand.Float64() * export / 2 * float64(time.Second))
		if !killDuringUpload(t, srv, before, delay, base...) {
			t.Fatal("the build ended before uploading")
		}
		parquet, csv := checkLakeRun(t, srv, "parquet"), checkLakeRun(t, srv, "csv")
		if parquet == "" || csv == "" {
			t.Fatalf("after a kill %v into the upload, a manifest is gone", delay)
		}
		// A run neither published nor there before is one cut off.
		for _, top := range lakeTop(t, srv) {
			if strings.HasPrefix(top, "run=") && top != parquet && top != csv && !slices.Contains(published(t, srv), strings.TrimPrefix(top, "run=")) && !slices.Contains(before, top) {
				midUpload++
			}
		}
	}
	t.Logf("%d of 10 kills landed before the run was published (export %.2fs)", midUpload, export)
	if midUpload == 0 {
		t.Fatal("no kill landed while a run was being uploaded")
	}
	mustElt(t, append(base, "build")...)
	checkLakeClean(t, srv)
}
