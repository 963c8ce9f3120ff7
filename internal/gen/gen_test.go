package gen

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// digest hashes every file under dir with its path.
func digest(t *testing.T, dir string) string {
	h := sha256.New()
	var paths []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	})
	sort.Strings(paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\n%x\n", rel, sha256.Sum256(b))
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestDeterministicPerSeed(t *testing.T) {
	gen := func(seed uint64) string {
		dir := t.TempDir()
		if _, err := Generate(Options{Events: 20000, Users: 100, Days: 4, Seed: seed, Dirty: 0.05, Out: dir}); err != nil {
			t.Fatal(err)
		}
		return digest(t, dir)
	}
	a, b, c := gen(7), gen(7), gen(8)
	if a != b {
		t.Error("the same seed wrote different files")
	}
	if a == c {
		t.Error("different seeds wrote the same files")
	}
}

func TestCountsAndLayout(t *testing.T) {
	dir := t.TempDir()
	st, err := Generate(Options{Events: 10000, Users: 50, Days: 3, Seed: 1, Dirty: 0.1, Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	filepath.WalkDir(filepath.Join(dir, "events"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			lines += strings.Count(string(b), "\n")
		}
		return err
	})
	if lines != st.Events || st.Events < 10000 {
		t.Errorf("events: %d lines written, %d counted", lines, st.Events)
	}
	for _, p := range []string{"events/dt=2026-11-01/part-0001.json", "events/dt=2026-11-04/part-0002.json", "transactions/dt=2026-11-02/part-0001.csv", "users/dt=2026-10-31/part-0001.csv"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
	if _, err := Generate(Options{Events: 10, Users: 1, Days: 1, Dirty: 2, Out: dir}); err == nil {
		t.Error("dirty rate 2 accepted")
	}
}

// BenchmarkGenerate writes one million events.
func BenchmarkGenerate(b *testing.B) {
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		if _, err := Generate(Options{Events: 1_000_000, Users: 10000, Days: 7, Seed: 1, Dirty: 0.02, Out: dir}); err != nil {
			b.Fatal(err)
		}
	}
}
