package starter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteNeverThroughSymlink: elt init refuses a folder where a file it
// would write, or a folder on the way, is a symbolic link (a dangling
// .gitignore link pointing outside, a data/ link elsewhere): nothing is
// written, inside or out.
func TestWriteNeverThroughSymlink(t *testing.T) {
	for _, tc := range []struct {
		name   string
		link   string // the link in the project folder
		target func(outside string) string
	}{
		{"dangling .gitignore", ".gitignore", func(o string) string { return filepath.Join(o, "pwned") }},
		{"dangling elt.yaml", "elt.yaml", func(o string) string { return filepath.Join(o, "elt.yaml") }},
		{"folder on the way", "data", func(o string) string { return o }},
		{"model folder", "models", func(o string) string { return o }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, outside := t.TempDir(), t.TempDir()
			if err := os.Symlink(tc.target(outside), filepath.Join(dir, tc.link)); err != nil {
				t.Fatal(err)
			}
			written, err := Write(dir)
			if err == nil || len(written) > 0 {
				t.Fatalf("wrote %v through the link %s", written, tc.link)
			}
			if !strings.Contains(err.Error(), "symbolic link") && !strings.Contains(err.Error(), "already holds an elt.yaml") {
				t.Errorf("error %q does not say why", err)
			}
			if entries, _ := os.ReadDir(outside); len(entries) > 0 {
				t.Errorf("wrote outside the folder: %v", entries)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("wrote into the folder: %v", entries)
			}
		})
	}
	// An empty folder, and one that is itself a link to an empty folder
	// (the user named it), get the project.
	real := t.TempDir()
	via := filepath.Join(t.TempDir(), "shop")
	if err := os.Symlink(real, via); err != nil {
		t.Fatal(err)
	}
	if written, err := Write(via); err != nil || len(written) == 0 {
		t.Fatalf("Write into a linked empty folder: %v %v", written, err)
	}
	if _, err := os.Stat(filepath.Join(real, "elt.yaml")); err != nil {
		t.Error(err)
	}
}
