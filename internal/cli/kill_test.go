package cli

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/testutil"
)

// killAt runs `elt build` in a child process and kills it with SIGKILL as
// soon as it prints a line starting with marker. It reports whether the
// marker was seen before the child ended on its own.
func killAt(t *testing.T, marker string, args ...string) bool {
	return killAfter(t, marker, 0, args...)
}

// killAfter is killAt, waiting delay after the marker before the kill.
func killAfter(t *testing.T, marker string, delay time.Duration, args ...string) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(args, "build")...)
	cmd.Env = append(os.Environ(), "ELT_TEST_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.HasPrefix(strings.TrimSpace(sc.Text()), marker) {
			time.Sleep(delay)
			cmd.Process.Signal(syscall.SIGKILL)
			seen = true
			break
		}
	}
	cmd.Wait()
	return seen
}

// TestKilledBuildsLeaveNoTrace kills builds at three points (ingesting,
// building silver, just before commit); after each the warehouse answers as
// before that build. A final build then gives exactly what an uninterrupted
// build over the same files gives, with every file ingested once.
func TestKilledBuildsLeaveNoTrace(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	base := []string{"--project", proj}
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "40000", "--users", "300", "--days", "3")...)
	mustElt(t, append(base, "build")...)
	snapshot := func() string {
		return mustElt(t, append(base, "query", "--format", "csv", `SELECT
			(SELECT count(*) FROM elt.files), (SELECT count(*) FROM bronze.events), (SELECT count(*) FROM silver.events),
			(SELECT count(*) FROM silver.quarantine), (SELECT count(*) FROM gold.user_session_analysis),
			(SELECT sum(amount) FROM gold.user_session_analysis), (SELECT max(last_run_id) FROM elt.model_state)`)...)
	}
	before := snapshot()
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "20000", "--users", "1", "--days", "3", "--seed", "5", "--batch", "late")...)

	ref := []string{"--project", proj, "--warehouse", filepath.Join(t.TempDir(), "ref.duckdb")}
	mustElt(t, append(ref, "build")...)
	wantGold, wantQuarantine, wantCounts := results(t, ref)

	for _, marker := range []string{"ingest  events", "2/6", "6/6"} {
		if !killAt(t, marker, base...) {
			t.Fatalf("the build ended before printing %q", marker)
		}
		if got := snapshot(); got != before {
			t.Fatalf("killed at %q, the warehouse changed:\nbefore %s\nafter  %s", marker, before, got)
		}
	}
	mustElt(t, append(base, "build")...)
	// The killed builds' runs are not left "running" forever.
	runs := mustElt(t, append(base, "query", "--format", "csv", "SELECT status, count(*) AS n FROM elt.runs GROUP BY status ORDER BY status")...)
	if runs != "status,n\ninterrupted,3\nsuccess,2\n" {
		t.Fatalf("run history after three kills:\n%s", runs)
	}
	gold, quarantine, counts := results(t, base)
	if gold != wantGold || quarantine != wantQuarantine {
		t.Fatalf("after the kills, gold or quarantine differ from an uninterrupted build:\n%s%s", testutil.Diff("uninterrupted gold", wantGold, "after the kills", gold), testutil.Diff("uninterrupted quarantine", wantQuarantine, "after the kills", quarantine))
	}
	if fmtCounts(counts) != fmtCounts(wantCounts) {
		t.Fatalf("counts: got %v want %v", counts, wantCounts)
	}
	files := mustElt(t, append(base, "query", "--format", "csv", "SELECT count(*) AS n, count(DISTINCT file) AS d FROM elt.files")...)
	onDisk := len(testutil.Arrivals(t, filepath.Join(proj, "data", "bronze")))
	if want := "n,d\n" + strconv.Itoa(onDisk) + "," + strconv.Itoa(onDisk) + "\n"; files != want {
		t.Fatalf("manifest %q, want %q: a file was ingested twice or skipped", files, want)
	}
}

func fmtCounts(c testutil.Counts) string {
	var b strings.Builder
	for _, s := range []string{"events", "transactions", "users"} {
		b.WriteString(s)
		for _, k := range []string{"read", "silver", "superseded", "quarantined"} {
			b.WriteString(" " + strconv.Itoa(int(c[s][k])))
		}
		b.WriteString("\n")
	}
	return b.String()
}
