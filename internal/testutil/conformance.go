package testutil

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Counts are a conformance case's counts by source: read, silver,
// superseded, quarantined (expected/counts.json).
type Counts map[string]map[string]int64

// CompareCase fails t unless gold, quarantine (CSV, as the contract
// orders them) and counts equal the case dir's expected/, showing a diff.
func CompareCase(t testing.TB, dir, gold, quarantine string, counts Counts) {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "expected", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n")) + "\n"
	}
	var want Counts
	if err := json.Unmarshal([]byte(read("counts.json")), &want); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got string }{{"gold.csv", gold}, {"quarantine.csv", quarantine}} {
		w, g := read(c.name), strings.TrimSpace(c.got)+"\n"
		if g != w {
			t.Errorf("%s differs:\n%s", strings.TrimSuffix(c.name, ".csv"), Diff("expected/"+c.name, w, "warehouse", g))
		}
	}
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(counts)
	if string(wj) != string(gj) {
		t.Errorf("counts differ:\n got %s\nwant %s", gj, wj)
	}
}

// Arrivals lists a bronze folder's files in arrival order: by source, by
// path within the source.
func Arrivals(t testing.TB, bronze string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(bronze, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(bronze, p)
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}
