package testutil

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestConformanceCopyMatchesShared fails when testdata/conformance has
// drifted from ../shared/conformance (when that folder is there): every case
// and every file of it, byte for byte, both ways.
func TestConformanceCopyMatchesShared(t *testing.T) {
	shared := SharedConformanceDir(t)
	if shared == "" {
		t.Skip("no ../shared/conformance beside the repository: nothing to compare the copy with")
	}
	ours := filepath.Join(RepoRoot(t), "testdata", "conformance")
	want := CaseDirs(t, shared)
	if len(want) == 0 {
		t.Fatalf("no cases in %s", shared)
	}
	for _, dir := range want {
		name := filepath.Base(dir)
		a, b := tree(t, dir), tree(t, filepath.Join(ours, name))
		for p, data := range a {
			got, ok := b[p]
			switch {
			case !ok:
				t.Errorf("%s/%s is missing from testdata/conformance: copy ../shared/conformance/%s again", name, p, name)
			case !bytes.Equal(got, data):
				t.Errorf("testdata/conformance/%s/%s differs from ../shared/conformance: copy it again", name, p)
			}
		}
		for p := range b {
			if _, ok := a[p]; !ok {
				t.Errorf("testdata/conformance/%s/%s is not in ../shared/conformance: remove it", name, p)
			}
		}
	}
	for _, dir := range CaseDirs(t, ours) {
		if _, err := os.Stat(filepath.Join(shared, filepath.Base(dir))); err != nil {
			t.Errorf("testdata/conformance/%s is not a case of ../shared/conformance: remove it", filepath.Base(dir))
		}
	}
}

// tree reads every file under root, keyed by its / separated relative path.
func tree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}
