package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
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

// runBaseline runs the baseline script (ELT_TEST_BASELINE) on the bronze
// folder ELT_BENCH_BRONZE into the DuckDB file ELT_BENCH_DB and the export
// ELT_BENCH_OUT; it is a process of its own so its peak memory is measured
// alone.
func runBaseline(script string) int {
	if err := baseline(script, os.Getenv("ELT_BENCH_BRONZE"), os.Getenv("ELT_BENCH_OUT"), os.Getenv("ELT_BENCH_DB")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// baseline runs the baseline script in a fresh DuckDB file db with the
// project's engine settings, its bronze folder and export target filled in.
func baseline(script, bronze, out, db string) error {
	text, err := os.ReadFile(script)
	if err != nil {
		return err
	}
	sql := strings.NewReplacer("{{bronze}}", bronze, "{{out}}", out).Replace(string(text))
	w, err := warehouse.Open(context.Background(), db, warehouse.Options{Threads: 2, MemoryLimit: "4GB"})
	if err != nil {
		return err
	}
	defer w.Close()
	_, err = w.Exec(sql)
	return err
}

// TestBaselineComputesTheSame: make bench compares elt with a baseline
// that must compute the same tables. On the same clean bronze (with fraud
// bursts, so the alerts are not empty), every table the baseline builds
// holds exactly elt's rows in the columns they share, and its export has
// the same rows as elt's.
func TestBaselineComputesTheSame(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "4000", "--users", "40", "--days", "3", "--fraud-rate", "0.2")
	mustElt(t, "--project", proj, "build")
	dir := t.TempDir()
	script := filepath.Join(repoRoot(t), "testdata", "bench", "baseline.sql")
	if err := baseline(script, filepath.Join(proj, "data", "bronze"), filepath.Join(dir, "out"), filepath.Join(dir, "base.duckdb")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := warehouse.Open(ctx, filepath.Join(dir, "base.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "ATTACH "+sqlname.Literal(filepath.Join(proj, "data", "warehouse.duckdb"))+" AS elt (READ_ONLY)"); err != nil {
		t.Fatal(err)
	}
	tables, err := warehouse.Set(ctx, db, "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = current_database()")
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 6 {
		t.Errorf("the baseline builds %d tables, want the 6 of the project's models: %v", len(tables), tables)
	}
	count := func(q string) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	same := func(name, base, mine string) {
		t.Helper()
		n := count("SELECT count(*) FROM " + base)
		only := count("SELECT count(*) FROM (FROM " + base + " EXCEPT ALL FROM " + mine + ")")
		missing := count("SELECT count(*) FROM (FROM " + mine + " EXCEPT ALL FROM " + base + ")")
		if n == 0 || only != 0 || missing != 0 {
			t.Errorf("%s: the baseline has %d rows, %d of them not elt's, and lacks %d of elt's", name, n, only, missing)
		}
	}
	for table := range tables {
		// The columns both have (elt's silver also keeps each row's file
		// and line), compared as text; JSON minified (elt keeps the text
		// of the file, read_json writes it anew).
		cols, err := warehouse.Set(ctx, db, `SELECT CASE WHEN b.data_type = 'JSON' THEN 'json(' || b.column_name || ')::VARCHAR'
				ELSE b.column_name || '::VARCHAR' END
			FROM duckdb_columns() AS b
			JOIN duckdb_columns() AS e USING (schema_name, table_name, column_name)
			WHERE b.database_name = current_database() AND e.database_name = 'elt' AND b.schema_name || '.' || b.table_name = ?`, table)
		if err != nil {
			t.Fatal(err)
		}
		list := strings.Join(slices.Sorted(maps.Keys(cols)), ", ")
		same(table, "(SELECT "+list+" FROM "+table+")", "(SELECT "+list+" FROM elt."+table+")")
	}
	same("export", "read_parquet("+sqlname.Literal(filepath.Join(dir, "out", "**", "*.parquet"))+")",
		"read_parquet("+sqlname.Literal(filepath.Join(proj, "data", "out", "gold", "user_session_analysis", "parquet", "**", "*.parquet"))+")")
}

// measured is one run of a process: its wall time, peak RSS and
// processor time (user and system).
type measured struct {
	wall time.Duration
	rss  int64 // bytes
	cpu  time.Duration
}

// measure runs the test binary as elt (or as the baseline) and returns its
// wall time and peak resident memory.
//
// The peak is the one the process reports of itself as it exits (VmHWM):
// the rusage of a child started by a large process (make bench runs every
// benchmark in one) counts that process's memory too, as Linux carries it
// over the exec.
func measure(b *testing.B, env []string, args ...string) measured {
	b.Helper()
	m, err := tryMeasure(b, env, args...)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// tryMeasure is measure, returning the child's failure (with what it
// wrote to stderr) rather than stopping the benchmark.
func tryMeasure(b *testing.B, env []string, args ...string) (measured, error) {
	b.Helper()
	peak := filepath.Join(b.TempDir(), "peak")
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), env...), "ELT_TEST_PEAK="+peak)
	var errb strings.Builder
	cmd.Stderr = &errb
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return measured{wall: time.Since(t0)}, fmt.Errorf("%v %v: %v\n%s", env, args, err, errb.String())
	}
	m := measured{wall: time.Since(t0), cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	text, err := os.ReadFile(peak)
	if err != nil {
		return m, fmt.Errorf("%v %v: no peak memory reported: %v", env, args, err)
	}
	if _, err := fmt.Sscan(string(text), &m.rss); err != nil {
		return m, fmt.Errorf("peak memory %q: %v", text, err)
	}
	return m, nil
}

// writePeak writes the process's peak resident memory in bytes (VmHWM of
// /proc/self/status) to the file ELT_TEST_PEAK names, if it names one.
func writePeak() {
	path := os.Getenv("ELT_TEST_PEAK")
	if path == "" {
		return
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(status), "\n") {
		if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var n int64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), &n); err == nil {
				os.WriteFile(path, []byte(fmt.Sprint(n*1024)), 0o644)
			}
		}
	}
}

// cachedBronze generates clean bronze of n events once per size, under the
// user's cache folder (outside git), and returns it.
func cachedBronze(b *testing.B, events int) string {
	b.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "elt-bench", fmt.Sprintf("events-%d", events))
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return filepath.Join(dir, "bronze")
	}
	os.RemoveAll(dir)
	quietElt(b, "--project", testutil.RepoRoot(b), "generate", "--out", filepath.Join(dir, "bronze"), "--dirty", "0",
		"--events", fmt.Sprint(events), "--users", fmt.Sprint(events/100), "--days", "7")
	testutil.WriteFile(b, filepath.Join(dir, "done"), "")
	return filepath.Join(dir, "bronze")
}

// linkTree makes a copy of a folder tree whose files are hard links.
func linkTree(b *testing.B, from, to string) {
	b.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		return os.Link(p, filepath.Join(to, rel))
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkVersusDuckDB is make bench's table: at ELT_BENCH_EVENTS events
// (default 2M) of clean bronze, alternating three times: (a) elt build into
// an empty warehouse, (b) the hand-written DuckDB baseline
// (testdata/bench/baseline.sql) on the same files, (c) elt build after +1%
// events. It prints the medians, the ratios a/b and c/a, peak RSS and
// events per second as a Markdown table.
func BenchmarkVersusDuckDB(b *testing.B) {
	events := 2_000_000
	if s := os.Getenv("ELT_BENCH_EVENTS"); s != "" {
		if _, err := fmt.Sscan(s, &events); err != nil {
			b.Fatalf("ELT_BENCH_EVENTS=%q: %v", s, err)
		}
	}
	bronze := cachedBronze(b, events)
	script := filepath.Join(testutil.RepoRoot(b), "testdata", "bench", "baseline.sql")
	var full, base, incr []measured
	for i := 0; i < 3; i++ {
		proj := copyProject(&testing.T{}, testutil.RepoRoot(b), b.TempDir())
		mine := filepath.Join(proj, "data", "bronze")
		linkTree(b, bronze, mine)
		elt := []string{"ELT_TEST_MAIN=1"}
		full = append(full, measure(b, elt, "--project", proj, "build"))
		tmp := b.TempDir()
		base = append(base, measure(b, []string{"ELT_TEST_BASELINE=" + script, "ELT_BENCH_BRONZE=" + bronze,
			"ELT_BENCH_OUT=" + filepath.Join(tmp, "out"), "ELT_BENCH_DB=" + filepath.Join(tmp, "base.duckdb")}))
		quietElt(b, "--project", proj, "generate", "--dirty", "0", "--events", fmt.Sprint(events/100), "--users", "1", "--days", "7",
			"--seed", fmt.Sprint(2+i), "--batch", "b1")
		incr = append(incr, measure(b, elt, "--project", proj, "build"))
	}
	median := func(ms []measured) measured {
		w := make([]time.Duration, len(ms))
		r := make([]int64, len(ms))
		for i, m := range ms {
			w[i], r[i] = m.wall, m.rss
		}
		slices.Sort(w)
		slices.Sort(r)
		return measured{wall: w[len(w)/2], rss: r[len(r)/2]}
	}
	a, bb, c := median(full), median(base), median(incr)
	gb := func(n int64) string { return fmt.Sprintf("%.2f GB", float64(n)/(1<<30)) }
	fmt.Printf("\n%d events, 2 cores, medians of 3 alternated runs\n\n", events)
	fmt.Printf("| run | time | peak RSS | events/s |\n|---|---|---|---|\n")
	fmt.Printf("| (a) elt build, empty warehouse | %.2f s | %s | %.0f |\n", a.wall.Seconds(), gb(a.rss), float64(events)/a.wall.Seconds())
	fmt.Printf("| (b) hand-written DuckDB baseline | %.2f s | %s | %.0f |\n", bb.wall.Seconds(), gb(bb.rss), float64(events)/bb.wall.Seconds())
	fmt.Printf("| (c) elt build after +1%% events | %.2f s | %s | |\n", c.wall.Seconds(), gb(c.rss))
	fmt.Printf("| a/b | ×%.2f | ×%.2f | |\n", a.wall.Seconds()/bb.wall.Seconds(), float64(a.rss)/float64(bb.rss))
	fmt.Printf("| c/a | %.3f | | |\n\n", c.wall.Seconds()/a.wall.Seconds())
	b.ReportMetric(a.wall.Seconds()/bb.wall.Seconds(), "a/b")
	b.ReportMetric(c.wall.Seconds()/a.wall.Seconds(), "c/a")
}

// BenchmarkLargeMemory is make bench-large (not part of make bench): a full
// build of ELT_BENCH_LARGE events (10M by default) with memory_limit: 1GB,
// spilling to disk; it prints the time and the peak RSS (target: under
// 1.6 GB).
func BenchmarkLargeMemory(b *testing.B) {
	var events int
	if _, err := fmt.Sscan(os.Getenv("ELT_BENCH_LARGE"), &events); err != nil || events <= 0 {
		b.Skip("make bench-large runs it (ELT_BENCH_LARGE=events)")
	}
	bronze := cachedBronze(b, events)
	proj := copyProject(&testing.T{}, testutil.RepoRoot(b), b.TempDir())
	cfg, err := os.ReadFile(filepath.Join(proj, "elt.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	testutil.WriteFile(b, filepath.Join(proj, "elt.yaml"), strings.Replace(string(cfg), "memory_limit: 4GB", "memory_limit: 1GB", 1))
	linkTree(b, bronze, filepath.Join(proj, "data", "bronze"))
	m := measure(b, []string{"ELT_TEST_MAIN=1"}, "--project", proj, "build")
	fmt.Printf("\n%d events, memory_limit 1GB: %.1f s, peak RSS %.2f GB\n\n", events, m.wall.Seconds(), float64(m.rss)/(1<<30))
	b.ReportMetric(float64(m.rss)/(1<<30), "peak-GB")
}

// BenchmarkHuge is make bench-huge (not part of make bench): full builds
// of ELT_BENCH_HUGE events (100M by default, about 19 GB of NDJSON,
// generated once and cached outside git) and of ELT_BENCH_HUGE/10, with
// memory_limit: 4GB. It prints each build's time and peak RSS, the ratio
// of their times (target: at most ×11), and the disk they used: the
// warehouse file, and the most DuckDB's temporary folder held, sampled
// every half second.
func BenchmarkHuge(b *testing.B) {
	var events int
	if _, err := fmt.Sscan(os.Getenv("ELT_BENCH_HUGE"), &events); err != nil || events <= 0 {
		b.Skip("make bench-huge runs it (ELT_BENCH_HUGE=events)")
	}
	type run struct {
		events         int
		m              measured
		bronze, wh, tp int64
	}
	var runs []run
	for _, n := range []int{events / 10, events} {
		bronze := cachedBronze(b, n)
		proj := copyProject(&testing.T{}, testutil.RepoRoot(b), b.TempDir())
		linkTree(b, bronze, filepath.Join(proj, "data", "bronze"))
		wh := filepath.Join(proj, "data", "warehouse.duckdb")
		stop := make(chan struct{})
		peakTemp := make(chan int64)
		go func() {
			var peak int64
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			for {
				peak = max(peak, dirSize(wh+".tmp"))
				select {
				case <-stop:
					peakTemp <- peak
					return
				case <-tick.C:
				}
			}
		}()
		m, err := tryMeasure(b, []string{"ELT_TEST_MAIN=1"}, "--project", proj, "build")
		close(stop)
		r := run{events: n, m: m, bronze: dirSize(bronze), wh: dirSize(wh), tp: <-peakTemp}
		if err != nil {
			b.Fatalf("%d events: the build failed after %.1f s, with a warehouse of %.2f GB and DuckDB's temporary folder at most %.2f GB: %v",
				n, m.wall.Seconds(), float64(r.wh)/(1<<30), float64(r.tp)/(1<<30), err)
		}
		runs = append(runs, r)
		fmt.Printf("%d events (%.1f GB of NDJSON), memory_limit 4GB: %.1f s, peak RSS %.2f GB, CPU %.0f s; warehouse %.2f GB, temporary folder at most %.2f GB\n",
			n, float64(r.bronze)/(1<<30), m.wall.Seconds(), float64(m.rss)/(1<<30), m.cpu.Seconds(), float64(r.wh)/(1<<30), float64(r.tp)/(1<<30))
		os.RemoveAll(proj) // the warehouse, before the next
	}
	fmt.Printf("\n%d events against %d: ×%.2f the time (target ×11 at most), peak RSS %.2f GB (target under 4.6)\n\n",
		runs[1].events, runs[0].events, runs[1].m.wall.Seconds()/runs[0].m.wall.Seconds(), float64(runs[1].m.rss)/(1<<30))
	b.ReportMetric(runs[1].m.wall.Seconds()/runs[0].m.wall.Seconds(), "time-ratio")
	b.ReportMetric(float64(runs[1].m.rss)/(1<<30), "peak-GB")
}

// dirSize is the bytes of the files under path (a file or a folder), 0
// when there is none.
func dirSize(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
