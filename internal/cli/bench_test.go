package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkFullBuild builds the pipeline from scratch over generated bronze
// data (200k events at the default dirt), reporting events per second.
func BenchmarkFullBuild(b *testing.B) {
	const events = 200_000
	dir := b.TempDir()
	t := &testing.T{}
	proj := copyProject(t, repoRoot(t), dir)
	if code := Run(context.Background(), []string{"elt", "--project", proj, "generate", "--events", fmt.Sprint(events), "--users", "5000"}, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
		b.Fatal("generate failed")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		wh := filepath.Join(b.TempDir(), "w.duckdb")
		if code := Run(context.Background(), []string{"elt", "--project", proj, "--warehouse", wh, "build"}, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
			b.Fatal("build failed")
		}
	}
	b.ReportMetric(float64(events*b.N)/b.Elapsed().Seconds(), "events/s")
}
