package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInitRefusesSymlink: elt init into a folder whose .gitignore is a
// dangling link to a file outside it writes nothing, there or outside,
// and says why.
func TestInitRefusesSymlink(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	target := filepath.Join(outside, "pwned")
	if err := os.Symlink(target, filepath.Join(dir, ".gitignore")); err != nil {
		t.Fatal(err)
	}
	code, _, errs := elt(t, "init", dir)
	if code != ExitFailure || !strings.Contains(errs, ".gitignore is a symbolic link: init never writes through one") {
		t.Errorf("exit %d, %s", code, errs)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("init wrote through the link, outside the folder")
	}
	if _, err := os.Stat(filepath.Join(dir, "elt.yaml")); err == nil {
		t.Error("init wrote a project around the link")
	}
}
