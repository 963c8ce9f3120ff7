package build

import (
	"testing"

	"github.com/digitalservices/elt/internal/gen"
)

// TestDefaultGeneratedDataBuilds: the bronze elt generate writes at its
// defaults (100,000 events of 2,000 users over 7 days, 2% dirty, seed 1)
// builds the repository's project with all 22 checks passing, none
// warning, every source ingested and reconciled, balanced.
func TestDefaultGeneratedDataBuilds(t *testing.T) {
	p := generatedProject(t, gen.Options{Events: 100_000, Users: 2_000, Days: 7, Dirty: 0.02})
	sum := mustBuild(t, p, Options{})
	passed := 0
	for _, r := range sum.Checks {
		if r.Passed {
			passed++
		} else {
			t.Errorf("check %s %s failed (%s): %d of %d", r.Target, r.Label, r.Severity, r.Failing, r.Total)
		}
	}
	if passed != 22 || len(sum.Checks) != 22 {
		t.Errorf("%d of %d checks passed, want 22 of 22", passed, len(sum.Checks))
	}
	ingested := map[string]bool{}
	for _, r := range sum.Ingest {
		ingested[r.Source] = r.Files > 0 && r.Records > 0
	}
	balanced := map[string]bool{}
	for _, r := range sum.Recon {
		balanced[r.Source] = r.OK()
	}
	for _, src := range []string{"events", "transactions", "users"} {
		if !ingested[src] {
			t.Errorf("%s: nothing ingested (%+v)", src, sum.Ingest)
		}
		if !balanced[src] {
			t.Errorf("%s: reconciliation not balanced (%+v)", src, sum.Recon)
		}
	}
	if len(sum.Recon) != 3 {
		t.Errorf("%d reconciliations, want one per source: %+v", len(sum.Recon), sum.Recon)
	}
}
