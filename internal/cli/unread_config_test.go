package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestUnreadModelFilesWarned: build, compile and ls name, in one warning
// on stderr, what under models/ elt does not read (a .py model, a
// snapshots/ folder, a nested folder, a schema.yml), and say nothing of a
// project without any.
func TestUnreadModelFilesWarned(t *testing.T) {
	proj := minimalProject(t, t.TempDir())
	for _, cmd := range []string{"ls", "compile", "build"} {
		if _, _, errs := elt(t, "--project", proj, cmd); strings.Contains(errs, "warning") {
			t.Errorf("%s on a clean project warned: %s", cmd, errs)
		}
	}
	for _, f := range []string{"models/gold/orders.py", "models/gold/snapshots/orders_snapshot.sql.txt", "models/gold/marts/deep/x.yml", "models/schema.yml", "models/gold/.gitkeep"} {
		testutil.WriteFile(t, filepath.Join(proj, f), "x\n")
	}
	want := "elt: warning: elt reads only models/<schema>/<name>.sql and ignores 4 more under models/: models/gold/marts/, models/gold/orders.py, models/gold/snapshots/, models/schema.yml\n"
	for _, cmd := range []string{"ls", "compile", "build"} {
		code, _, errs := elt(t, "--project", proj, cmd)
		if code != 0 || strings.Count(errs, "warning") != 1 || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, stderr %q\nwant one warning %q", cmd, code, errs, want)
		}
	}
	// An editor's hidden files beside a model (Emacs's lock, a dangling
	// link) are neither models nor an error.
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", ".hidden.sql"), "SELECT 1\n")
	if err := os.Symlink("nobody@host.123", filepath.Join(proj, "models", "gold", ".#one.sql")); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := elt(t, "--project", proj, "build"); code != 0 || !strings.Contains(errs, want) || strings.Contains(out, "hidden") {
		t.Errorf("hidden files: exit %d\n%s%s", code, out, errs)
	}
}
