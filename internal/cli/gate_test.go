package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestDefaultGeneratedDataBuilds: `elt generate` at its defaults builds with
// every gate passing and a balanced reconciliation.
func TestDefaultGeneratedDataBuilds(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	mustElt(t, "--project", proj, "generate")
	out := mustElt(t, "--project", proj, "build")
	for _, want := range []string{"checks: 22 passed, 0 failed, 0 warnings", "events ", "transactions ", "users "} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Count(out, "  ok\n") != 3 {
		t.Fatalf("reconciliation not balanced for every source:\n%s", out)
	}
}

// published is everything a failed build must leave untouched: gold,
// silver, the quarantine, the manifest (as query results) and the exports
// (as file bytes).
func published(t *testing.T, proj string) string {
	var b strings.Builder
	for _, q := range []string{
		"SELECT * FROM gold.user_session_analysis ORDER BY session_id",
		"SELECT * FROM silver.events ORDER BY event_id",
		"SELECT * FROM silver.transactions ORDER BY transaction_id",
		"SELECT * FROM silver.users ORDER BY user_id",
		"SELECT * FROM silver.quarantine ORDER BY source, file, line",
		"SELECT * FROM elt.files ORDER BY source, file",
		"SELECT * FROM elt.model_state ORDER BY model",
	} {
		b.WriteString(mustElt(t, "--project", proj, "query", "--format", "csv", q))
	}
	b.WriteString(testutil.TreeHash(t, filepath.Join(proj, "data", "out")))
	return b.String()
}

// TestFailedGateLeavesEverythingAsItWas: a batch that makes user_id NULL in
// over 20% of gold rows, and then one with over 5% garbage lines, each fail
// the build with a report; what was published stays byte-identical.
func TestFailedGateLeavesEverythingAsItWas(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "6000", "--users", "100", "--days", "2")
	mustElt(t, "--project", proj, "build")
	before := published(t, proj)
	day := filepath.Join(proj, "data", "bronze", "events", "dt=2026-11-09")
	testutil.MkdirAll(t, day)

	// 1500 new sessions without a user: far over 20% of gold's rows.
	var anon strings.Builder
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&anon, `{"event_id": "anon-%d", "session_id": "anon-s%d", "user_id": null, "event_type": "page_view", "event_timestamp": "2026-11-09T10:00:00Z"}`+"\n", i, i)
	}
	testutil.WriteFile(t, filepath.Join(day, "part-0001.json"), anon.String())
	code, out, errs := elt(t, "--project", proj, "build")
	if code != 1 || !strings.Contains(out, "FAIL  gold.user_session_analysis  max_null_pct(user_id): ") ||
		!strings.Contains(out, "at most 20.0% allowed") || !strings.Contains(out, "anon-s") ||
		!strings.Contains(errs, "1 blocking check failed: nothing was published") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if after := published(t, proj); after != before {
		t.Fatal("a failed build changed what was published")
	}
	if err := os.Remove(filepath.Join(day, "part-0001.json")); err != nil {
		t.Fatal(err)
	}

	// 90 good lines and 10 of garbage: 10% quarantined, over the 5% gate.
	var mixed strings.Builder
	for i := 0; i < 100; i++ {
		if i%10 == 9 {
			mixed.WriteString("garbage, not json\n")
			continue
		}
		fmt.Fprintf(&mixed, `{"event_id": "ok-%d", "session_id": "s00000000%d", "user_id": "u000001", "event_type": "click", "event_timestamp": "2026-11-09T10:00:00Z"}`+"\n", i, i%3)
	}
	testutil.WriteFile(t, filepath.Join(day, "part-0002.json"), mixed.String())
	code, out, errs = elt(t, "--project", proj, "build")
	if code != 1 || !strings.Contains(out, "FAIL  source events  max_quarantine_pct(5): 10 of 100 records quarantined (10.0%)") ||
		!strings.Contains(out, "events/dt=2026-11-09/part-0002.json    10  malformed_json") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if after := published(t, proj); after != before {
		t.Fatal("a failed build changed what was published")
	}
	// The failures and their checks are in the run history.
	hist := mustElt(t, "--project", proj, "query", "--format", "csv",
		"SELECT r.status, c.target, c.check_name, c.status AS check_status FROM elt.runs r JOIN elt.check_results c USING (run_id) WHERE c.status <> 'pass' ORDER BY r.run_id")
	want := "status,target,check_name,check_status\nerror,gold.user_session_analysis,max_null_pct(user_id),fail\nerror,source events,max_quarantine_pct(5),fail\n"
	if hist != want {
		t.Fatalf("run history:\n%s\nwant:\n%s", hist, want)
	}
}
