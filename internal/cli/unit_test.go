package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// The committed unit tests pass, whole and as an increment, with no
// warehouse at all.
func TestCommittedUnitTestsPass(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	copyDir(t, repoRoot(t), proj, "tests")
	out := mustElt(t, "--project", proj, "test", "--unit")
	if !strings.Contains(out, "unit tests: 8 passed, 0 failed") {
		t.Errorf("elt test --unit:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(proj, "data")); err == nil {
		t.Error("unit tests wrote into the project's data folder")
	}
	out = mustElt(t, "--project", proj, "test")
	if !strings.Contains(out, "data checks skipped: no warehouse yet (run elt build)") {
		t.Errorf("elt test without a warehouse:\n%s", out)
	}
}

// A broken model fails its unit test with a row diff.
func TestBrokenModelFailsItsUnitTest(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	copyDir(t, repoRoot(t), proj, "tests")
	path := filepath.Join(proj, "models", "gold", "user_session_analysis.sql")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(b), "sum(n) OVER (PARTITION BY session_id) AS total_events", "sum(n) OVER (PARTITION BY session_id) + 1 AS total_events", 1)
	if broken == string(b) {
		t.Fatal("the gold model no longer sums total_events over its event types: update this test")
	}
	testutil.WriteFile(t, path, broken)
	code, out, errs := elt(t, "--project", proj, "test", "--unit", "--select", "gold.user_session_analysis")
	if code != 1 || !strings.Contains(errs, "2 unit tests failed") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"unit tests: 0 passed, 2 failed",
		"FAIL  tests/gold.user_session_analysis.yaml  gold.user_session_analysis (whole): 4 expected rows not returned, 4 rows not expected",
		"FAIL  tests/gold.user_session_analysis.yaml  gold.user_session_analysis (as an increment):",
		"  - amount=25.00 currency=USD event_type=click is_conversion=true session_id=s1 session_start_time=2026-11-01 10:00:00 total_events=3 transaction_id=t2 user_country=MX user_device=ios user_id=u1",
		"  + amount=25.00 currency=USD event_type=click is_conversion=true session_id=s1 session_start_time=2026-11-01 10:00:00 total_events=4 transaction_id=t2 user_country=MX user_device=ios user_id=u1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}

// A test that names an input the model does not read, or a column the
// input lacks, says so.
func TestUnitTestMistakes(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	for name, c := range map[string]struct{ yaml, want string }{
		"input":  {"model: silver.users\ngiven:\n  silver.events: []\nexpect: []\n", "given: silver.events is not read by silver.users (it reads bronze.users)"},
		"column": {"model: silver.users\ngiven:\n  bronze.users:\n    - {user_id: u1, colour: red}\nexpect: []\n", `row 1: no column "colour"`},
		"model":  {"model: silver.nope\ngiven: {}\nexpect: []\n", "no model silver.nope in this project"},
		"key":    {"model: silver.users\ngivn: {}\n", "not a unit test"},
	} {
		testutil.WriteFile(t, filepath.Join(proj, "tests", name+".yaml"), c.yaml)
		code, out, errs := elt(t, "--project", proj, "test", "--unit")
		if code != 1 || !strings.Contains(out+errs, c.want) {
			t.Errorf("%s: exit %d, want %q\n%s%s", name, code, c.want, out, errs)
		}
		os.Remove(filepath.Join(proj, "tests", name+".yaml"))
	}
}

// scaffold writes a test from the warehouse that passes as written, and
// never overwrites one.
func TestScaffoldUnitTest(t *testing.T) {
	proj := pipelineProject(t)
	for _, m := range []string{"gold.user_session_analysis", "silver.users"} {
		out := mustElt(t, "--project", proj, "tests", "scaffold", "--rows", "2", m)
		if !strings.Contains(out, "wrote tests/"+m+".yaml") || !strings.Contains(out, "unit tests: 2 passed, 0 failed") {
			t.Errorf("scaffold %s:\n%s", m, out)
		}
	}
	code, _, errs := elt(t, "--project", proj, "tests", "scaffold", "silver.users")
	if code != 1 || !strings.Contains(errs, "tests/silver.users.yaml exists") {
		t.Errorf("a second scaffold: exit %d\n%s", code, errs)
	}
	out := mustElt(t, "--project", proj, "test")
	if !strings.Contains(out, "unit tests: 4 passed, 0 failed") {
		t.Errorf("elt test:\n%s", out)
	}
}
