// Package testutil holds helpers shared by the tests: where the shared
// conformance cases are.
package testutil

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// ConformanceDir is the shared conformance folder: $ELT_CONFORMANCE, or
// ../shared/conformance beside the repository.
func ConformanceDir(t testing.TB) string {
	if d := os.Getenv("ELT_CONFORMANCE"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "..", "shared", "conformance")
			if _, err := os.Stat(c); err != nil {
				t.Fatalf("conformance cases not found at %s: set ELT_CONFORMANCE", c)
			}
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// ConformanceCases lists the case folders in name order.
func ConformanceCases(t testing.TB) []string {
	root := ConformanceDir(t)
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(root, e.Name(), "expected")); err == nil {
				out = append(out, filepath.Join(root, e.Name()))
			}
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatalf("no conformance cases in %s", root)
	}
	return out
}
