package discover

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// TestSweepDownloads: the downloaded copies of a process that no longer
// runs (a build killed with -9) are removed; those of this process and of
// a running one, and any other name, are kept.
func TestSweepDownloads(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("processes are asked about on Linux only")
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	names := map[string]bool{ // name: kept
		fmt.Sprintf("elt-download-%d-123.parquet", dead.Process.Pid): false,
		fmt.Sprintf("elt-download-%d-456.parquet", dead.Process.Pid): false,
		fmt.Sprintf("elt-download-%d-123.parquet", os.Getpid()):      true,
		"elt-download-1-123.parquet":                                 true, // init runs
		"elt-download-123.parquet":                                   true, // no process id
		"elt-download-x-1.parquet":                                   true,
		fmt.Sprintf("elt-download-%d-1.csv", dead.Process.Pid):       true,
		"other.parquet": true,
	}
	var want []string
	for n, kept := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if kept {
			want = append(want, n)
		}
	}
	SweepDownloads(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("after the sweep: %q, want %q", got, want)
	}
}
