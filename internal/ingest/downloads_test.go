package ingest

import (
	"runtime"
	"testing"
)

// TestDownloads: objects read at once are bounded by the memory limit (one
// per 256 MB), by the processors (one each: each reader parses) and by 4,
// and are never fewer than 1.
func TestDownloads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	const mb = 1 << 20
	for _, c := range []struct {
		procs int
		limit float64
		want  int
	}{
		{procs: 2, limit: 0, want: 2},
		{procs: 2, limit: 4096 * mb, want: 2},
		{procs: 8, limit: 0, want: 4},
		{procs: 8, limit: 4096 * mb, want: 4},
		{procs: 8, limit: 768 * mb, want: 3},
		{procs: 8, limit: 100 * mb, want: 1},
		{procs: 1, limit: 4096 * mb, want: 1},
	} {
		runtime.GOMAXPROCS(c.procs)
		if got := Downloads(c.limit); got != c.want {
			t.Errorf("Downloads(%.0f MB) on %d processors = %d, want %d", c.limit/mb, c.procs, got, c.want)
		}
	}
}
