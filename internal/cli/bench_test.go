package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// quietElt runs the CLI in-process without output; it fails the benchmark
// on a non-zero exit.
func quietElt(b *testing.B, args ...string) time.Duration {
	b.Helper()
	t0 := time.Now()
	var errb strings.Builder
	if code := Run(context.Background(), append([]string{"elt"}, args...), strings.NewReader(""), io.Discard, &errb); code != 0 {
		b.Fatalf("elt %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
	}
	return time.Since(t0)
}

// benchProject copies the repository's project and generates events into it.
func benchProject(b *testing.B, events int) string {
	t := &testing.T{}
	proj := copyProject(t, repoRoot(t), b.TempDir())
	quietElt(b, "--project", proj, "generate", "--events", fmt.Sprint(events), "--users", fmt.Sprint(events/100), "--days", "7")
	return proj
}

// BenchmarkFullBuild builds the pipeline from scratch over 200k generated
// events at the default dirt, reporting events per second.
func BenchmarkFullBuild(b *testing.B) {
	const events = 200_000
	proj := benchProject(b, events)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		quietElt(b, "--project", proj, "--warehouse", filepath.Join(b.TempDir(), "w.duckdb"), "build")
	}
	b.ReportMetric(float64(events*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIncremental measures, at 2M events and in the same run: a full
// build; the checks alone (elt test runs the same model checks the build
// ran before publishing); and an incremental build after +1% new events
// (late data for old sessions, in new files of the old partitions). It
// reports incr/full (target: at most 0.10) and checks/full (target: at
// most 0.10).
func BenchmarkIncremental(b *testing.B) {
	const events = 2_000_000
	var full, checks, incr time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		proj := benchProject(b, events)
		b.StartTimer()
		full += quietElt(b, "--project", proj, "build")
		b.StopTimer()
		checks += quietElt(b, "--project", proj, "test")
		quietElt(b, "--project", proj, "generate", "--events", fmt.Sprint(events/100), "--users", "1", "--days", "7", "--seed", "2", "--batch", "b1")
		b.StartTimer()
		incr += quietElt(b, "--project", proj, "build")
	}
	b.ReportMetric(full.Seconds()/float64(b.N), "full-s")
	b.ReportMetric(incr.Seconds()/float64(b.N), "incr-s")
	b.ReportMetric(incr.Seconds()/full.Seconds(), "incr/full")
	b.ReportMetric(checks.Seconds()/float64(b.N), "checks-s")
	b.ReportMetric(checks.Seconds()/full.Seconds(), "checks/full")
}
