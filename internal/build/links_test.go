package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestLinkedSourceFolders: a source folder that is a link, and a link to a
// folder inside one, are read like folders; a loop and a dangling link are
// errors naming them.
func TestLinkedSourceFolders(t *testing.T) {
	lake := filepath.Join(t.TempDir(), "lake")
	if _, err := gen.Generate(gen.Options{Out: lake, Events: 800, Users: 20, Days: 2, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	root := testutil.RepoRoot(t)
	project := func() string {
		dir := t.TempDir()
		testutil.CopyFile(t, filepath.Join(root, "elt.yaml"), filepath.Join(dir, "elt.yaml"))
		testutil.CopyTree(t, filepath.Join(root, "models"), filepath.Join(dir, "models"))
		return dir
	}
	proj := project()
	bronze := filepath.Join(proj, "data", "bronze")
	for _, src := range []string{"events", "transactions"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(bronze, src)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(lake, src), filepath.Join(bronze, src)); err != nil {
			t.Fatal(err)
		}
	}
	// users: a real folder holding a link to a folder elsewhere.
	if err := os.MkdirAll(filepath.Join(bronze, "users"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(lake, "users"), filepath.Join(bronze, "users", "linked")); err != nil {
		t.Fatal(err)
	}
	p := loadProject(t, proj, "", "")
	mustBuild(t, p, Options{})
	ref := loadProject(t, project(), lake, "")
	mustBuild(t, ref, Options{})
	q := "SELECT (SELECT count(*) FROM bronze.events), (SELECT count(*) FROM bronze.transactions), (SELECT count(*) FROM bronze.users), (SELECT count(*) FROM gold.user_session_analysis)"
	got, want := queryProject(t, p, q), queryProject(t, ref, q)
	if got != want || strings.Contains(got, "\n0,") {
		t.Fatalf("through links: %q, directly: %q", got, want)
	}

	loop := filepath.Join(bronze, "users", "loop")
	if err := os.Symlink(filepath.Join(bronze, "users"), loop); err != nil {
		t.Fatal(err)
	}
	if err := buildErr(t, proj, Options{}); err == nil || !strings.Contains(err.Error(), loop+" is a link loop") {
		t.Fatalf("loop: got %v", err)
	}
	if err := os.Remove(loop); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(bronze, "users", "gone")
	if err := os.Symlink(filepath.Join(lake, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := buildErr(t, proj, Options{}); err == nil || !strings.Contains(err.Error(), dangling+" is a dangling link") {
		t.Fatalf("dangling: got %v", err)
	}
}
