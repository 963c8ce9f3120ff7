package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/publish"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// generatedProject copies the repository's project into a new folder and
// writes generated bronze into its bronze folder (elt generate).
func generatedProject(t *testing.T, o gen.Options) *project.Project {
	t.Helper()
	root := testutil.RepoRoot(t)
	dir := t.TempDir()
	testutil.CopyFile(t, filepath.Join(root, "elt.yaml"), filepath.Join(dir, "elt.yaml"))
	testutil.CopyTree(t, filepath.Join(root, "models"), filepath.Join(dir, "models"))
	p := loadProject(t, dir, "", "")
	if o.Seed == 0 {
		o.Seed = 1
	}
	o.Out = p.Resolve(p.Config.Paths.Bronze)
	if _, err := gen.Generate(o); err != nil {
		t.Fatal(err)
	}
	return p
}

// runBuild opens p's warehouse, runs one build that also writes the
// exports (as elt build does), and closes it.
func runBuild(t *testing.T, p *project.Project) (*Summary, error) {
	t.Helper()
	db, err := state.Open(context.Background(), p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := &Builder{Project: p, DB: db, Export: publish.Exporter{}.Exports}
	return b.Run(context.Background(), Options{})
}

// published is everything a failed build must leave untouched: gold,
// silver, the quarantine, the manifest (as query results) and the exports
// (as file bytes).
func published(t *testing.T, p *project.Project) string {
	t.Helper()
	db, err := state.Open(context.Background(), p, state.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
		b.WriteString(queryCSV(t, db, q))
	}
	b.WriteString(testutil.TreeHash(t, p.Resolve(p.Config.Paths.Output)))
	return b.String()
}

// failed is the one failed check of a blocked build, its samples as CSV.
func failed(t *testing.T, sum *Summary, err error) (check.Result, string) {
	t.Helper()
	if cf, ok := errors.AsType[*ChecksFailed](err); !ok || cf.Failed != 1 || sum == nil {
		t.Fatalf("build: got %v, want 1 blocking check failed", err)
	}
	if !strings.Contains(err.Error(), "1 blocking check failed: nothing was published") {
		t.Errorf("error %q", err)
	}
	var fails []check.Result
	for _, r := range sum.Checks {
		if !r.Passed {
			fails = append(fails, r)
		}
	}
	if len(fails) != 1 {
		t.Fatalf("failed checks %+v, want one", fails)
	}
	var samples bytes.Buffer
	if fails[0].Samples != nil {
		if err := output.Write(&samples, "csv", fails[0].Samples); err != nil {
			t.Fatal(err)
		}
	}
	return fails[0], samples.String()
}

// TestFailedGateLeavesEverythingAsItWas: a batch that makes user_id NULL in
// over 20% of gold rows, and then one with over 5% garbage lines, each fail
// the build with the failed check; what was published stays
// byte-identical, and the run history has both failures.
func TestFailedGateLeavesEverythingAsItWas(t *testing.T) {
	p := generatedProject(t, gen.Options{Events: 6000, Users: 100, Days: 2})
	if _, err := runBuild(t, p); err != nil {
		t.Fatalf("first build: %v", err)
	}
	before := published(t, p)
	day := filepath.Join(p.Resolve(p.Config.Paths.Bronze), "events", "dt=2026-11-09")
	testutil.MkdirAll(t, day)

	// 1500 new sessions without a user: far over 20% of gold's rows.
	var anon strings.Builder
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&anon, `{"event_id": "anon-%d", "session_id": "anon-s%d", "user_id": null, "event_type": "page_view", "event_timestamp": "2026-11-09T10:00:00Z"}`+"\n", i, i)
	}
	testutil.WriteFile(t, filepath.Join(day, "part-0001.json"), anon.String())
	sum, err := runBuild(t, p)
	r, samples := failed(t, sum, err)
	if r.Target != "gold.user_session_analysis" || r.Label != "max_null_pct(user_id)" || r.Allowed != 0.2 || !strings.Contains(samples, "anon-s") {
		t.Fatalf("failed check %s %s allowed %v, samples:\n%s", r.Target, r.Label, r.Allowed, samples)
	}
	if after := published(t, p); after != before {
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
	sum, err = runBuild(t, p)
	r, samples = failed(t, sum, err)
	if r.Target != "source events" || r.Label != "max_quarantine_pct(5)" || r.Failing != 10 || r.Total != 100 ||
		!strings.Contains(samples, "events/dt=2026-11-09/part-0002.json,10,malformed_json") {
		t.Fatalf("failed check %s %s: %d of %d, samples:\n%s", r.Target, r.Label, r.Failing, r.Total, samples)
	}
	if after := published(t, p); after != before {
		t.Fatal("a failed build changed what was published")
	}
	// The failures and their checks are in the run history.
	db, err := state.Open(context.Background(), p, state.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hist := queryCSV(t, db, "SELECT r.status, c.target, c.check_name, c.status AS check_status FROM elt.runs r JOIN elt.check_results c USING (run_id) WHERE c.status <> 'pass' ORDER BY r.run_id")
	want := "status,target,check_name,check_status\nerror,gold.user_session_analysis,max_null_pct(user_id),fail\nerror,source events,max_quarantine_pct(5),fail\n"
	if hist != want {
		t.Fatalf("run history:\n%s\nwant:\n%s", hist, want)
	}
}
