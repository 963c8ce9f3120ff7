package cli

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/testutil"
)

// eltProcess starts elt in a child process (the test binary standing in
// for it); wait waits for it and returns its exit code and output.
func eltProcess(t *testing.T, args ...string) (wait func() (int, string, string)) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ELT_TEST_MAIN=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return func() (int, string, string) {
		err := cmd.Wait()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), out.String(), errb.String()
	}
}

// folderState is every file under dir with its size and modification
// time: what publishing would change.
func folderState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				fmt.Fprintf(&b, "%s %d %s\n", p, info.Size(), info.ModTime())
			}
		}
		return nil
	})
	return b.String()
}

// TestS3ServerStoppedMidBuild stops the S3 server (as a crash would) at a
// random moment while `elt build` reads a new batch of bronze from it: the
// build fails within seconds, exit 1, saying it cannot reach the server
// and where; nothing is published (gold, the manifest and the exports are
// as before; the run history has the failed run); with the server back,
// the next build gives what a clean build of all of bronze gives.
func TestS3ServerStoppedMidBuild(t *testing.T) {
	srv := testutil.StartS3(t, "lake-stopped")
	proj := lakeProject(t, "lake-stopped")
	uploadGenerated(t, srv, proj, "lake-stopped", "a", 1, 1000, "--dirty", "0.01", "--events", "3000", "--users", "300", "--days", "3")
	base := []string{"--project", proj}
	mustElt(t, append(base, "build")...)
	before, exports := lakeResults(t, base), folderState(t, filepath.Join(proj, "data", "out"))
	uploadGenerated(t, srv, proj, "lake-stopped", "b", 4, 120_000, "--dirty", "0.01", "--events", "40000", "--users", "1", "--days", "3", "--seed", "5", "--batch", "late")

	ref := []string{"--project", proj, "--warehouse", filepath.Join(t.TempDir(), "ref.duckdb"), "--output", filepath.Join(t.TempDir(), "out")}
	t0 := time.Now()
	mustElt(t, append(ref, "build")...)
	took := time.Since(t0)
	want := lakeResults(t, ref)

	wait := eltProcess(t, append(base, "build")...)
	delay := time.Duration(rand.Int64N(int64(took / 3)))
	time.Sleep(delay)
	srv.Stop()
	stopped := time.Now()
	code, out, errs := wait()
	t.Logf("server stopped %s into the build; the build ended %s later:\n%s", delay, time.Since(stopped).Round(time.Millisecond), errs)
	if code != ExitFailure || !strings.Contains(errs, "cannot reach the S3 server at "+srv.Endpoint) || !strings.Contains(errs, "s3://lake-stopped/bronze") {
		t.Fatalf("server stopped after %s: exit %d\n%s%s", delay, code, out, errs)
	}
	if d := time.Since(stopped); d > 30*time.Second {
		t.Fatalf("the build took %s to give up on a stopped server", d)
	}
	if strings.Contains(out+errs, srv.Secret()) {
		t.Fatal("the secret key was printed")
	}
	if got := lakeResults(t, base); got != before {
		t.Fatalf("a failed build changed the warehouse:\n%s", testutil.Diff("before", before, "after", got))
	}
	if got := folderState(t, filepath.Join(proj, "data", "out")); got != exports {
		t.Fatalf("a failed build changed the exports:\n%s", testutil.Diff("before", exports, "after", got))
	}
	// Stopped while listing, the build failed before its run began (as a
	// build whose bronze folder is gone does): no run is recorded. Stopped
	// while reading, the run is recorded as failed, with the error.
	history := "status,unreachable\nsuccess,false\nerror,true\n"
	if strings.Contains(errs, "list s3://") {
		history = "status,unreachable\nsuccess,false\n"
	}
	runs := mustElt(t, append(base, "query", "--format", "csv", "SELECT status, coalesce(error LIKE '%cannot reach the S3 server at "+srv.Endpoint+"%', false) AS unreachable FROM elt.runs ORDER BY run_id")...)
	if runs != history {
		t.Fatalf("run history:\n%s", runs)
	}
	if all := mustElt(t, append(base, "query", "--format", "csv", "SELECT * FROM elt.runs")...); strings.Contains(all, srv.Secret()) {
		t.Fatalf("the run history keeps the secret key:\n%s", all)
	}

	srv.Start()
	mustElt(t, append(base, "build")...)
	if got := lakeResults(t, base); got != want {
		t.Fatalf("with the server back, the build differs from a clean one:\n%s", testutil.Diff("clean", want, "after the outage", got))
	}
}

// TestS3SecretNeverShows: with the server's secret key in the environment
// (as the AWS default chain reads it), a build that succeeds and one that
// fails (the server stopped), in plain lines and in --log-format json,
// print the secret nowhere, and the run history keeps it in no column.
func TestS3SecretNeverShows(t *testing.T) {
	srv := testutil.StartS3(t, "lake-secret")
	if os.Getenv("AWS_SECRET_ACCESS_KEY") != srv.Secret() || len(srv.Secret()) < 20 {
		t.Fatal("the secret key is not in the environment")
	}
	proj := peopleProject(t, "s3://lake-secret/bronze", "")
	srv.Put("s3://lake-secret/bronze/people/p1.csv", []byte("id,country\na,US\n"))
	base := []string{"--project", proj}
	var printed strings.Builder
	for _, format := range []string{"plain", "json"} {
		args := append(base, "--log-format", format, "build")
		srv.Put(fmt.Sprintf("s3://lake-secret/bronze/people/%s.csv", format), []byte("id,country\n"+format+",US\n"))
		code, out, errs := eltProcess(t, args...)()
		if code != 0 {
			t.Fatalf("elt %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		printed.WriteString(out + errs)
		srv.Stop()
		code, out, errs = eltProcess(t, args...)()
		if code != ExitFailure || !strings.Contains(out+errs, "cannot reach the S3 server at "+srv.Endpoint) {
			t.Fatalf("elt %s with the server stopped: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		printed.WriteString(out + errs)
		srv.Start()
	}
	if strings.Contains(printed.String(), srv.Secret()) {
		t.Fatalf("the secret key was printed:\n%s", printed.String())
	}
	runs := mustElt(t, append(base, "query", "--format", "csv", "SELECT * FROM elt.runs ORDER BY run_id")...)
	// The failures came before a run began (listing): only the builds
	// are recorded. TestS3ServerStoppedMidBuild reads the history of a
	// build that failed while reading.
	if strings.Count(runs, "\n") != 3 || strings.Count(runs, ",success,") != 2 {
		t.Fatalf("run history of two builds and two failures:\n%s", runs)
	}
	if strings.Contains(runs, srv.Secret()) {
		t.Fatalf("the run history keeps the secret key:\n%s", runs)
	}
}
