package gen

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tree lists every file and folder under dir, with each file's size.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out = append(out, rel+"/")
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, rel+" "+strings.Repeat("#", min(int(info.Size()), 1)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRefusalLeavesNothing: elt generate refusing to write over one bronze
// file leaves the folder exactly as it was (no 0-byte or partial files,
// which the next build would ingest, and no new folders), whichever file
// is refused; a generation that succeeds leaves no file aside.
func TestRefusalLeavesNothing(t *testing.T) {
	for _, existing := range []string{
		"users/dt=2026-10-31/part-0001.csv",        // written last
		"events/dt=2026-11-03/part-0001.json",      // the last day's
		"transactions/dt=2026-11-02/part-0002.csv", // a late file
	} {
		t.Run(existing, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, filepath.FromSlash(existing))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte("kept\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := tree(t, dir)
			_, err := Generate(Options{Events: 3000, Users: 50, Days: 3, Seed: 1, Dirty: 0.05, FraudRate: 0.02, Out: dir})
			var exists *ExistsError
			if !errors.As(err, &exists) || exists.Path != p || !strings.Contains(err.Error(), "and wrote nothing") {
				t.Fatalf("got %v, want %s refused", err, p)
			}
			if after := tree(t, dir); !slices.Equal(after, before) {
				t.Errorf("a refusal changed the folder:\nbefore %v\nafter  %v", before, after)
			}
			if b, _ := os.ReadFile(p); string(b) != "kept\n" {
				t.Errorf("%s was changed: %q", existing, b)
			}
		})
	}
	dir := t.TempDir()
	if _, err := Generate(Options{Events: 3000, Users: 50, Days: 3, Seed: 1, Dirty: 0.05, Out: dir}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dir, "users", "dt=2026-10-31", "part-0001.csv")); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("a generated file: %v %v, want mode 0644", info.Mode(), err)
	}
	for _, f := range tree(t, dir) {
		if strings.Contains(f, "/.") || strings.HasPrefix(f, ".") || strings.Contains(f, ".tmp") || strings.HasSuffix(f, " ") {
			t.Errorf("left behind: %q", f)
		}
	}
	// Again into the same folder: refused, and every file as it was.
	before := digest(t, dir)
	if _, err := Generate(Options{Events: 3000, Users: 50, Days: 3, Seed: 2, Dirty: 0.05, Out: dir}); err == nil {
		t.Fatal("a second generation over the first was not refused")
	}
	if digest(t, dir) != before || len(tree(t, dir)) == 0 {
		t.Error("a refused generation changed the files of the first")
	}
}
