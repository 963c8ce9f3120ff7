package cli

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// clicksSource is a Parquet source appended to the repository's elt.yaml
// (sources: is its last section): its objects are downloaded to read them.
const clicksSource = `  clicks:
    format: parquet
    key: click_id
    fields:
      - {name: click_id, type: id, required: true}
      - {name: user_id, type: id}
      - {name: amount, type: "decimal(10,2)"}
`

// lakeProject is the repository's project reading bronze from bucket,
// with the Parquet source clicks and a gold model of it.
func lakeProject(t *testing.T, bucket string) (proj string) {
	t.Helper()
	proj = copyProject(t, repoRoot(t), t.TempDir())
	cfg, err := os.ReadFile(filepath.Join(proj, "elt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(cfg), "bronze: data/bronze", "bronze: s3://"+bucket+"/bronze", 1)
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), strings.TrimRight(text, "\n")+"\n"+clicksSource)
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", "clicks_by_user.sql"),
		"/* materialized: table */\nSELECT user_id, count(*) AS clicks, sum(amount) AS amount FROM bronze.clicks GROUP BY user_id\n")
	return proj
}

// uploadGenerated writes bronze with elt generate (its flags given) and
// files Parquet objects of clicks (rows each, named part-<batch>-N),
// and uploads them all to the bucket's bronze.
func uploadGenerated(t *testing.T, srv *testutil.S3, proj, bucket, batch string, files, rows int, generate ...string) {
	t.Helper()
	local := filepath.Join(t.TempDir(), "bronze")
	mustElt(t, append([]string{"--project", proj, "generate", "--out", local}, generate...)...)
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := os.MkdirAll(filepath.Join(local, "clicks"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range files {
		_, err := db.ExecContext(context.Background(), fmt.Sprintf(`COPY (SELECT 'c%s%d-' || r AS click_id, 'u' || (r %% 300) AS user_id,
			(r %% 10000) / 100.0 AS amount, md5(r::VARCHAR) AS pad FROM range(%d) AS t(r)) TO %s (FORMAT parquet, ROW_GROUP_SIZE 20000)`,
			batch, i, rows, quote(filepath.Join(local, "clicks", fmt.Sprintf("part-%s-%04d.parquet", batch, i)))))
		if err != nil {
			t.Fatal(err)
		}
	}
	srv.UploadDir(local, "s3://"+bucket+"/bronze")
}

// lakeResults is what a build must converge to: gold, quarantine and
// counts, and the Parquet source's rows and manifest.
func lakeResults(t *testing.T, base []string) string {
	t.Helper()
	gold, quarantine, counts := results(t, base)
	clicks := mustElt(t, append(base, "query", "--format", "csv", `SELECT (SELECT count(*) FROM bronze.clicks) AS rows,
		(SELECT sum(amount) FROM bronze.clicks) AS amount, (SELECT count(*) || '/' || count(DISTINCT file) || '/' || sum(records) FROM elt.files WHERE source = 'clicks') AS files,
		(SELECT count(*) || '/' || count(DISTINCT file) FROM elt.files) AS manifest,
		(SELECT md5(string_agg(user_id || ':' || clicks || ':' || amount, ',' ORDER BY user_id)) FROM gold.clicks_by_user) AS by_user`)...)
	return gold + "\n" + quarantine + "\n" + fmtCounts(counts) + clicks
}

// downloads are the Parquet objects' downloaded copies left in dir.
func downloads(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "elt-download-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestS3KilledWhileReading kills `elt build` (SIGKILL) ten times at random
// moments while it reads bronze from S3 (NDJSON and CSV streamed, Parquet
// objects downloaded to the temporary folder): after each kill the next
// build gives exactly what a clean build of the same bronze gives, and no
// downloaded copy is left behind.
func TestS3KilledWhileReading(t *testing.T) {
	srv := testutil.StartS3(t, "lake-killed")
	proj := lakeProject(t, "lake-killed")
	uploadGenerated(t, srv, proj, "lake-killed", "a", 4, 120_000, "--dirty", "0.01", "--events", "40000", "--users", "300", "--days", "3")
	// Downloads go to the system's temporary folder (no temp_directory):
	// one of the test's own, for the test to look in.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	ref := []string{"--project", proj, "--warehouse", filepath.Join(t.TempDir(), "ref.duckdb")}
	t0 := time.Now()
	mustElt(t, append(ref, "build")...)
	took := time.Since(t0)
	want := lakeResults(t, ref)
	if left := downloads(t, tmp); len(left) > 0 {
		t.Fatalf("a clean build left downloads: %q", left)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 26))
	killedReading, leftByKills := 0, 0
	for i := range 10 {
		// A fresh warehouse each time: every kill falls in a first build,
		// which reads all of bronze.
		base := []string{"--project", proj, "--warehouse", filepath.Join(t.TempDir(), "w.duckdb")}
		// Within the first two thirds of a build's time: mostly reading.
		delay := time.Duration(rng.Int64N(int64(took) * 2 / 3))
		last := killDuring(t, delay, base...)
		if last == "" || strings.HasPrefix(last, "ingest") {
			killedReading++ // before any model was built
		}
		if len(downloads(t, tmp)) > 0 {
			leftByKills++ // for the next build to sweep
		}
		out := mustElt(t, append(base, "build")...)
		if got := lakeResults(t, base); got != want {
			t.Fatalf("kill %d (after %s, at %q): the next build differs from a clean one:\n%s", i+1, delay, last, testutil.Diff("clean", want, "after the kill", got))
		}
		if left := downloads(t, tmp); len(left) > 0 {
			t.Fatalf("kill %d (after %s, at %q): downloads left in the temporary folder after the next build: %q\n%s", i+1, delay, last, left, out)
		}
	}
	t.Logf("%d of 10 kills fell before any model was built, %d left downloaded copies (a clean build took %s)", killedReading, leftByKills, took)
	if killedReading < 3 {
		t.Fatalf("only %d of 10 kills fell while reading bronze: make bronze bigger", killedReading)
	}
}

// killDuring runs `elt build` in a child process, kills it with SIGKILL
// after delay (or when it ends first), and returns the last line it
// printed.
func killDuring(t *testing.T, delay time.Duration, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(args, "build")...)
	cmd.Env = append(os.Environ(), "ELT_TEST_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	last := ""
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				cmd.Wait()
				return last + " (ended)"
			}
			last = strings.TrimSpace(l)
			continue
		case <-timer.C:
		}
		break
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	return last
}
