package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/digitalservices/elt/internal/testutil"
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
	proj := copyProject(t, testutil.RepoRoot(b), b.TempDir())
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

// BenchmarkFraudOnline measures, at 2M events and with a real redis-server:
// the time from a 1% batch landing in bronze (renamed into place) to gold
// and Redis updated under elt watch, and Redis HGETALL latency (p50, p99)
// for 10,000 random users of gold.user_features.
func BenchmarkFraudOnline(b *testing.B) {
	const events = 2_000_000
	url := testutil.StartRedis(b)
	proj := benchProject(b, events)
	quietElt(b, "--project", proj, "--redis-url", url, "build")
	var land time.Duration
	for i := 0; i < b.N; i++ {
		aside := filepath.Join(b.TempDir(), "batch")
		quietElt(b, "--project", proj, "generate", "--out", aside, "--events", fmt.Sprint(events/100), "--users", "1", "--days", "7", "--seed", fmt.Sprint(10+i), "--batch", fmt.Sprintf("w%d", i))
		ctx, cancel := context.WithCancel(context.Background())
		var out syncBuffer
		done := make(chan struct{})
		go func() {
			Run(ctx, []string{"elt", "--project", proj, "--redis-url", url, "watch", "--interval", "250ms"}, strings.NewReader(""), &out, &out)
			close(done)
		}()
		for !strings.Contains(out.String(), "  run ") {
			time.Sleep(20 * time.Millisecond)
		}
		before := strings.Count(out.String(), "  run ")
		t0 := time.Now()
		err := filepath.WalkDir(aside, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(aside, p)
			to := filepath.Join(proj, "data", "bronze", rel)
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				return err
			}
			return os.Rename(p, to)
		})
		if err != nil {
			b.Fatal(err)
		}
		for strings.Count(out.String(), "  run ") == before {
			time.Sleep(10 * time.Millisecond)
		}
		land += time.Since(t0)
		cancel()
		<-done
		if strings.Contains(out.String(), "warning") || strings.Contains(out.String(), "failed") {
			b.Fatalf("watch:\n%s", out.String())
		}
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		b.Fatal(err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	lat := make([]time.Duration, 10_000)
	for i := range lat {
		key := fmt.Sprintf("user:u%06d", (i*7919)%(events/100))
		t0 := time.Now()
		if err := c.HGetAll(context.Background(), key).Err(); err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(t0)
	}
	slices.Sort(lat)
	b.ReportMetric(land.Seconds()/float64(b.N), "land-to-redis-s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "hgetall-p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "hgetall-p99-µs")
}
