package ingest

import "testing"

// TestDownloads: objects read at once are one per 256 MB of the memory
// limit, at most 4 (4 with no limit known), and never fewer than 1.
func TestDownloads(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		limit float64
		want  int
	}{
		{limit: 0, want: 4},
		{limit: 4096 * mb, want: 4},
		{limit: 768 * mb, want: 3},
		{limit: 300 * mb, want: 1},
		{limit: 100 * mb, want: 1},
	} {
		if got := Downloads(c.limit); got != c.want {
			t.Errorf("Downloads(%.0f MB) = %d, want %d", c.limit/mb, got, c.want)
		}
	}
}
