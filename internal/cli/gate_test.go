package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestFailedGateIsReported: a batch that makes user_id NULL in over 20% of
// gold rows, and then one with over 5% garbage lines, each fail elt build
// (exit 1) with a report of the failed check and its samples. That what
// was published stays byte-identical, and the run history, are
// internal/build's TestFailedGateLeavesEverythingAsItWas.
func TestFailedGateIsReported(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "6000", "--users", "100", "--days", "2")
	mustElt(t, "--project", proj, "build")
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
}
