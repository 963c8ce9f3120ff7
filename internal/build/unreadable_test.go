package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestUnreadableBronzeFile: a file that cannot be read (a dangling link; a
// folder without permission, when not root) fails the build naming it,
// and nothing is published.
func TestUnreadableBronzeFile(t *testing.T) {
	p := generatedProject(t, gen.Options{Events: 500, Users: 20, Days: 1})
	mustBuild(t, p, Options{})
	counts := func() string {
		return queryProject(t, p, "SELECT (SELECT count(*) FROM elt.files), (SELECT count(*) FROM bronze.events), (SELECT count(*) FROM gold.user_session_analysis)")
	}
	before := counts()
	events := filepath.Join(p.Resolve(p.Config.Paths.Bronze), "events")
	day := filepath.Join(events, "dt=2026-12-01")
	testutil.MkdirAll(t, day)
	testutil.WriteFile(t, filepath.Join(day, "ok.json"), `{"event_id":"z"}`+"\n")
	// A dangling link where a file should be: the build fails, naming it.
	if err := os.Symlink(filepath.Join(p.Dir, "nowhere.json"), filepath.Join(day, "part-0001.json")); err != nil {
		t.Fatal(err)
	}
	if err := buildErr(t, p.Dir, Options{}); err == nil || !strings.Contains(err.Error(), "dt=2026-12-01/part-0001.json") {
		t.Fatalf("dangling link: got %v", err)
	}
	if after := counts(); after != before {
		t.Fatalf("something was published: before %q after %q", before, after)
	}
	if err := os.Remove(filepath.Join(day, "part-0001.json")); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 { // root reads anything
		sub := filepath.Join(events, "dt=2026-12-02")
		testutil.MkdirAll(t, sub)
		if err := os.Chmod(sub, 0o000); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(sub, 0o755)
		if err := buildErr(t, p.Dir, Options{}); err == nil || !strings.Contains(err.Error(), "dt=2026-12-02") {
			t.Fatalf("unreadable folder: got %v", err)
		}
		if after := counts(); after != before {
			t.Fatalf("something was published: before %q after %q", before, after)
		}
	}
}
