package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// benchEvents is ELT_BENCH_EVENTS, the events make bench builds (2M when
// unset).
func benchEvents(b *testing.B) int {
	b.Helper()
	events := 2_000_000
	if s := os.Getenv("ELT_BENCH_EVENTS"); s != "" {
		if _, err := fmt.Sscan(s, &events); err != nil || events <= 0 {
			b.Fatalf("ELT_BENCH_EVENTS=%q is not a number of events", s)
		}
	}
	return events
}

// goldSums are, by gold table, its row count and a checksum of its rows
// (the sum of a hash of each row, floating-point columns rounded to 6
// decimals, as sums over rows read in another order may differ in their
// last bits), read from a built warehouse.
func goldSums(b *testing.B, db string) map[string]string {
	b.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, db, warehouse.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	tables, err := warehouse.Set(ctx, w, "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'gold'")
	if err != nil {
		b.Fatal(err)
	}
	if len(tables) == 0 {
		b.Fatalf("%s has no gold tables", db)
	}
	out := map[string]string{}
	var total int64
	for table := range tables {
		rows, err := w.QueryContext(ctx, `SELECT column_name, data_type FROM duckdb_columns()
			WHERE database_name = current_database() AND schema_name = 'gold' AND table_name = ? ORDER BY column_index`, table)
		if err != nil {
			b.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c, typ string
			if err := rows.Scan(&c, &typ); err != nil {
				b.Fatal(err)
			}
			c = sqlname.Ident(c)
			if typ == "DOUBLE" || typ == "FLOAT" {
				c = "round(" + c + ", 6)"
			}
			cols = append(cols, c)
		}
		rows.Close()
		var n int64
		var sum string
		q := "SELECT count(*), coalesce(sum(hash(" + strings.Join(cols, ", ") + ")::HUGEINT), 0)::VARCHAR FROM " + sqlname.Qualified("gold", table).String()
		if err := w.QueryRowContext(ctx, q).Scan(&n, &sum); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
		total += n
		out[table] = fmt.Sprintf("%d rows, checksum %s", n, sum)
	}
	if total == 0 {
		b.Fatalf("gold is empty in %s", db)
	}
	return out
}

// BenchmarkS3VersusLocal is make bench's build from object storage: at
// ELT_BENCH_EVENTS events (default 2M) of clean bronze, uploaded to a real
// S3 server (versitygw) on loopback, alternating three times a full build
// with --bronze on the local folder and one with --bronze on the s3://
// prefix (each in a process of its own, into an empty warehouse; which
// goes first alternates too). The S3 build's gold must equal the local
// one's (rows and checksum, table by table). It prints the medians of
// time, peak RSS and processor time of elt, the server's processor time
// during the S3 builds, and the ratios s3/local (the targets: at most
// ×1.25 time, ×1.2 peak RSS) as a Markdown table.
func BenchmarkS3VersusLocal(b *testing.B) {
	events := benchEvents(b)
	bronze := cachedBronze(b, events)
	const bucket = "elt-bench"
	s3 := testutil.StartS3(b, bucket)
	t0 := time.Now()
	s3.UploadDir(bronze, "s3://"+bucket+"/bronze")
	upload := time.Since(t0)
	remote := "s3://" + bucket + "/bronze"
	elt := []string{"ELT_TEST_MAIN=1"}
	var local, fromS3 []measured
	var server []time.Duration
	build := func(from string) (measured, map[string]string) {
		proj := copyProject(&testing.T{}, testutil.RepoRoot(b), b.TempDir())
		m := measure(b, elt, "--project", proj, "--bronze", from, "build")
		return m, goldSums(b, filepath.Join(proj, "data", "warehouse.duckdb"))
	}
	for i := 0; i < 3; i++ {
		var want, got map[string]string
		runLocal := func() {
			var m measured
			m, want = build(bronze)
			local = append(local, m)
		}
		runS3 := func() {
			cpu := s3.CPUTime()
			var m measured
			m, got = build(remote)
			server = append(server, s3.CPUTime()-cpu)
			fromS3 = append(fromS3, m)
		}
		if i%2 == 0 {
			runLocal()
			runS3()
		} else {
			runS3()
			runLocal()
		}
		for table, w := range want {
			if got[table] != w {
				b.Fatalf("the build from S3 differs from the local one: gold.%s has %s from S3, %s locally", table, got[table], w)
			}
		}
		if len(got) != len(want) {
			b.Fatalf("the build from S3 has gold tables %v, the local one %v", got, want)
		}
	}
	l, r, gw := medianRun(local), medianRun(fromS3), medianDuration(server)
	gb := func(n int64) string { return fmt.Sprintf("%.2f GB", float64(n)/(1<<30)) }
	timeRatio, rssRatio := r.wall.Seconds()/l.wall.Seconds(), float64(r.rss)/float64(l.rss)
	fmt.Printf("\n%d events, 2 cores, medians of 3 alternated runs; versitygw on loopback on the same cores (upload %.1f s)\n\n", events, upload.Seconds())
	fmt.Printf("| full build | time | peak RSS | elt CPU | versitygw CPU |\n|---|---|---|---|---|\n")
	fmt.Printf("| --bronze local folder | %.2f s | %s | %.2f s | |\n", l.wall.Seconds(), gb(l.rss), l.cpu.Seconds())
	fmt.Printf("| --bronze s3://%s/bronze | %.2f s | %s | %.2f s | %.2f s |\n", bucket, r.wall.Seconds(), gb(r.rss), r.cpu.Seconds(), gw.Seconds())
	fmt.Printf("| s3/local (target ≤ ×1.25 time, ≤ ×1.2 RSS) | ×%.2f | ×%.2f | ×%.2f | |\n\n", timeRatio, rssRatio, r.cpu.Seconds()/l.cpu.Seconds())
	runs := func(ms []measured) string {
		var out []string
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%.1f s %s", m.wall.Seconds(), gb(m.rss)))
		}
		return strings.Join(out, ", ")
	}
	fmt.Printf("runs in order: local %s; S3 %s\n\n", runs(local), runs(fromS3))
	b.ReportMetric(timeRatio, "s3/local-time")
	b.ReportMetric(rssRatio, "s3/local-rss")
}

// medianRun is the median of each measure of the runs, on its own.
func medianRun(ms []measured) measured {
	w, r, c := make([]time.Duration, len(ms)), make([]int64, len(ms)), make([]time.Duration, len(ms))
	for i, m := range ms {
		w[i], r[i], c[i] = m.wall, m.rss, m.cpu
	}
	slices.Sort(r)
	return measured{wall: medianDuration(w), rss: r[len(r)/2], cpu: medianDuration(c)}
}

func medianDuration(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}
