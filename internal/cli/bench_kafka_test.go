package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/stream"
	"github.com/digitalservices/elt/internal/stream/produce"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// The Kafka benchmarks of make bench (issue #27). The broker is franz-go's
// kfake in the benchmark's own process (testutil.StartKafka): no real
// Kafka can be installed here, so the figures include an in-process broker
// sharing the same cores, and say nothing of a network.

// kafkaSourceYAML is a source's kafka: line reading topic on addr.
func kafkaSourceYAML(addr, topic, maxWait string) string {
	return fmt.Sprintf("    kafka: {brokers: [%q], topic: %s, start: earliest, max_wait: %s, max_records: 0}\n", addr, topic, maxWait)
}

// kafkaProject copies the repository's project into a new folder with its
// events source reading the topic events on addr and, with transactions,
// its transactions source reading the topic transactions as NDJSON (the
// same fields, as JSON keys); the other sources stay files.
func kafkaProject(b *testing.B, addr, maxWait string, transactions bool) string {
	b.Helper()
	proj := copyProject(&testing.T{}, testutil.RepoRoot(b), b.TempDir())
	cfg := filepath.Join(proj, "elt.yaml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	edit := func(from, to string) {
		if !strings.Contains(text, from) {
			b.Fatalf("the repository's elt.yaml has no %q", from)
		}
		text = strings.Replace(text, from, to, 1)
	}
	const events = "  events:\n    format: ndjson\n"
	edit(events, events+kafkaSourceYAML(addr, "events", maxWait))
	if transactions {
		edit("  transactions:\n    format: csv\n", "  transactions:\n    format: ndjson\n"+kafkaSourceYAML(addr, "transactions", maxWait))
	}
	testutil.WriteFile(b, cfg, text)
	return proj
}

// scalars runs one query on a built warehouse, read-only, and returns its
// single row as text.
func scalars(b *testing.B, db, q string) []string {
	b.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, db, warehouse.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	rows, err := w.QueryContext(ctx, q)
	if err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		b.Fatal(err)
	}
	if !rows.Next() {
		b.Fatalf("%s: no row", q)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	out := make([]string, len(cols))
	for i, v := range vals {
		out[i] = fmt.Sprint(v)
	}
	return out
}

// selfCPU is the processor time this process (the benchmark, and the
// in-process broker) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkKafkaVersusFiles is make bench's build from Kafka: the same
// ELT_BENCH_EVENTS events (default 2M, clean, seed 1, as
// BenchmarkVersusDuckDB's files) as NDJSON files and as the messages of a
// 3-partition topic (elt generate --kafka with the same seed, so the same
// lines), the transactions and users as files in both. It alternates three
// times a full build from the files and one from the topic (each in a
// process of its own, into an empty warehouse), and requires both builds
// to give the same silver.events count and the same gold (rows and
// checksum, table by table). It prints the medians (time, peak RSS, elt's
// processor time, the broker's) and the ratio topic/files as a Markdown
// table.
func BenchmarkKafkaVersusFiles(b *testing.B) {
	events := benchEvents(b)
	bronze := cachedBronze(b, events)
	k := testutil.StartKafka(b, 3)
	aside := filepath.Join(b.TempDir(), "aside")
	t0 := time.Now()
	quietElt(b, "--project", testutil.RepoRoot(b), "generate", "--kafka", k.Addr(), "--topic", "events", "--partitions", "3",
		"--out", aside, "--dirty", "0", "--events", fmt.Sprint(events), "--users", fmt.Sprint(events/100), "--days", "7")
	produced := time.Since(t0)
	// The topic's build reads the same transactions and users files.
	others := filepath.Join(b.TempDir(), "bronze")
	for _, src := range []string{"transactions", "users"} {
		linkTree(b, filepath.Join(bronze, src), filepath.Join(others, src))
	}
	elt := []string{"ELT_TEST_MAIN=1"}
	type result struct {
		silver string
		gold   map[string]string
	}
	var broker []time.Duration
	build := func(proj, from string) (measured, result) {
		cpu := selfCPU() // this process's: the broker's, while elt builds
		m := measure(b, elt, "--project", proj, "--bronze", from, "build")
		if from == others {
			broker = append(broker, selfCPU()-cpu)
		}
		db := filepath.Join(proj, "data", "warehouse.duckdb")
		c := scalars(b, db, "SELECT (SELECT count(*) FROM bronze.events), (SELECT count(*) FROM silver.events)")
		if c[0] != fmt.Sprint(events) {
			b.Fatalf("the build from %s loaded %s events into bronze, want %d", from, c[0], events)
		}
		return m, result{silver: c[1], gold: goldSums(b, db)}
	}
	var files, topic []measured
	var first result
	for i := 0; i < 3; i++ {
		m, r := build(copyProject(&testing.T{}, testutil.RepoRoot(b), b.TempDir()), bronze)
		files = append(files, m)
		mt, rt := build(kafkaProject(b, k.Addr(), "500ms", false), others)
		topic = append(topic, mt)
		if rt.silver != r.silver {
			b.Fatalf("silver.events has %s rows built from the topic, %s from the files", rt.silver, r.silver)
		}
		for table, w := range r.gold {
			if rt.gold[table] != w {
				b.Fatalf("the build from the topic differs from the files': gold.%s has %s from the topic, %s from the files", table, rt.gold[table], w)
			}
		}
		if len(rt.gold) != len(r.gold) {
			b.Fatalf("the build from the topic has gold tables %v, the files' %v", rt.gold, r.gold)
		}
		first = r
	}
	f, t := medianRun(files), medianRun(topic)
	gb := func(n int64) string { return fmt.Sprintf("%.2f GB", float64(n)/(1<<30)) }
	ratio := t.wall.Seconds() / f.wall.Seconds()
	fmt.Printf("\n%d events, 2 cores, medians of 3 alternated full builds; the broker is kfake in the benchmark's process on the same cores "+
		"(producing the topic, 3 partitions: %.1f s, %.0f events/s)\n\n", events, produced.Seconds(), float64(events)/produced.Seconds())
	fmt.Printf("| full build, events from | time | peak RSS | elt CPU | broker CPU | events/s |\n|---|---|---|---|---|---|\n")
	fmt.Printf("| NDJSON files | %.2f s | %s | %.2f s | | %.0f |\n", f.wall.Seconds(), gb(f.rss), f.cpu.Seconds(), float64(events)/f.wall.Seconds())
	fmt.Printf("| Kafka topic (3 partitions) | %.2f s | %s | %.2f s | %.2f s | %.0f |\n", t.wall.Seconds(), gb(t.rss), t.cpu.Seconds(),
		medianDuration(broker).Seconds(), float64(events)/t.wall.Seconds())
	fmt.Printf("| topic/files | ×%.2f | ×%.2f | ×%.2f | | |\n\n", ratio, float64(t.rss)/float64(f.rss), t.cpu.Seconds()/f.cpu.Seconds())
	runs := func(ms []measured) string {
		var out []string
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%.1f s", m.wall.Seconds()))
		}
		return strings.Join(out, ", ")
	}
	fmt.Printf("runs in order: files %s; topic %s; both: silver.events %s rows, gold %v\n\n", runs(files), runs(topic), first.silver, first.gold)
	b.ReportMetric(f.wall.Seconds(), "files-s")
	b.ReportMetric(t.wall.Seconds(), "topic-s")
	b.ReportMetric(ratio, "topic/files")
	b.ReportMetric(produced.Seconds(), "produce-s")
}

// streamSeconds is ELT_BENCH_STREAM_SECONDS, how long BenchmarkKafkaLatency
// produces (60 when unset).
func streamSeconds(b *testing.B) time.Duration {
	b.Helper()
	secs := 60
	if s := os.Getenv("ELT_BENCH_STREAM_SECONDS"); s != "" {
		if _, err := fmt.Sscan(s, &secs); err != nil || secs < 5 {
			b.Fatalf("ELT_BENCH_STREAM_SECONDS=%q is not a number of seconds (at least 5)", s)
		}
	}
	return time.Duration(secs) * time.Second
}

// watchLog is what a child elt watch --log-format json said: each
// published run's commit time (the published event, reported as the
// build's transaction committed), the messages its builds took, and its
// lines for a failure's message.
type watchLog struct {
	mu        sync.Mutex
	committed map[int64]time.Time
	builds    []float64 // seconds of each build
	messages  int64
	records   int64
	failed    []string
	lines     []string
	done      chan struct{}
	// phases are, by run, when each kind of event was last said.
	phases map[int64]map[string]time.Time
	cur    int64
	asked  time.Time // the last watch_build_started
}

// read parses the events of r until it ends.
func (l *watchLog) read(r io.Reader) {
	defer close(l.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct {
			Event    string  `json:"event"`
			Time     string  `json:"time"`
			RunID    int64   `json:"run_id"`
			Messages int64   `json:"messages"`
			Records  int64   `json:"records"`
			Seconds  float64 `json:"seconds"`
			Error    string  `json:"error"`
		}
		line := sc.Text()
		l.mu.Lock()
		l.lines = append(l.lines, line)
		if json.Unmarshal([]byte(line), &ev) == nil {
			at, _ := time.Parse(time.RFC3339Nano, ev.Time)
			if ev.Event == "watch_build_started" {
				l.asked = at
			}
			if ev.Event == "build_started" {
				l.cur = ev.RunID
				l.phases[l.cur] = map[string]time.Time{"watch_build_started": l.asked}
			}
			if l.cur != 0 && ev.Event != "watch_build_started" { // the next build's
				l.phases[l.cur][ev.Event] = at
			}
			switch ev.Event {
			case "published":
				l.committed[ev.RunID] = at
			case "watch_build_done":
				l.messages += ev.Messages
				l.records += ev.Records
				l.builds = append(l.builds, ev.Seconds)
			case "watch_build_failed", "watch_poll_failed":
				l.failed = append(l.failed, line)
			}
		}
		l.mu.Unlock()
	}
}

// state is the messages taken, builds done and failures so far.
func (l *watchLog) state() (messages int64, builds int, failed []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.messages, len(l.builds), slices.Clone(l.failed)
}

// tail is the last lines said.
func (l *watchLog) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines[max(0, len(l.lines)-30):], "\n")
}

// burst is a fraud burst injected into the transactions: user's
// transactions ids, the last of which (the 4th within a minute) must be
// flagged.
type burst struct {
	user string
	ids  []string
	at   time.Duration // when its 4th transaction is due
}

// BenchmarkKafkaLatency is make bench's streaming figure: a project whose
// events and transactions are Kafka topics (3 partitions each, kfake in
// the benchmark's process) and whose users are a file, under elt watch
// (a child process, max_wait 500ms). For ELT_BENCH_STREAM_SECONDS (default
// 60) the benchmark produces 2,000 events/s and 1 transaction per 10
// events, over 20,000 users in turn (none reaches the velocity rule), and
// every 10 s a fraud burst: a user of its own with 4 transactions in 0.75 s.
// A record's latency is the moment the build that took it committed (the
// published event of watch's JSON log, reported just after the commit)
// minus its Kafka timestamp (its produce time); p50 and p99 over every
// event are computed with DuckDB's quantile_cont by elt query after watch
// stops. Every message must be in bronze exactly once; every burst, and
// nothing else, in gold.fraud_velocity_alerts (flagged at its 4th
// transaction), whose latency (commit of the alert's build minus the 4th
// transaction's timestamp) is reported too. A p99 over 2 s is said, not
// failed: machines are noisy. ELT_BENCH_WATCH_LOG=path keeps watch's JSON
// log there.
func BenchmarkKafkaLatency(b *testing.B) {
	const (
		rate   = 2000 // events a second
		users  = 20_000
		txEach = 10 // one transaction per this many events
		tick   = 20 * time.Millisecond
	)
	duration := streamSeconds(b)
	k := testutil.StartKafka(b, 3, "events", "transactions")
	proj := kafkaProject(b, k.Addr(), "500ms", true)
	var csv strings.Builder
	csv.WriteString("user_id,country,device,signup_date,updated_at\n")
	countries, devices := []string{"DE", "FR", "US", "GB", "NL"}, []string{"ios", "android", "web"}
	for i := 0; i < users; i++ {
		fmt.Fprintf(&csv, "u%06d,%s,%s,2025-01-01,2025-06-01T00:00:00Z\n", i, countries[i%len(countries)], devices[i%len(devices)])
	}
	var bursts []burst
	for at := 5 * time.Second; at+3*time.Second <= duration; at += 10 * time.Second {
		n := len(bursts)
		bu := burst{user: fmt.Sprintf("f%05d", n), at: at}
		for j := 0; j < 4; j++ {
			bu.ids = append(bu.ids, fmt.Sprintf("ft%05d_%d", n, j))
		}
		fmt.Fprintf(&csv, "%s,DE,web,2025-01-01,2025-06-01T00:00:00Z\n", bu.user)
		bursts = append(bursts, bu)
	}
	usersFile := filepath.Join(proj, "data", "bronze", "users", "dt=2025-06-01", "part-0001.csv")
	testutil.WriteFile(b, usersFile, csv.String())
	// Written long ago, so watch's first build takes it (a file modified
	// in the last two intervals may still be being written: watch waits).
	if err := os.Chtimes(usersFile, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour)); err != nil {
		b.Fatal(err)
	}

	ctx := context.Background()
	open := func(topic string) *produce.Producer {
		p, err := produce.OpenProducer(ctx, stream.Config{Brokers: []string{k.Addr()}, Topic: topic})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(p.Close)
		return p
	}
	evp, txp := open("events"), open("transactions")

	cmd := exec.Command(os.Args[0], "--project", proj, "--log-format", "json", "watch")
	cmd.Env = append(os.Environ(), "ELT_TEST_MAIN=1")
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	log := &watchLog{committed: map[int64]time.Time{}, phases: map[int64]map[string]time.Time{}, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go log.read(stderr)
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cmd.Process.Signal(os.Interrupt)
			<-log.done
			cmd.Wait()
		}
	}
	defer stop()
	// The first build (the users file) before anything is produced.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		_, builds, failed := log.state()
		if len(failed) > 0 || time.Now().After(deadline) {
			b.Fatalf("elt watch did not build the users file:\n%s", log.tail())
		}
		if builds > 0 {
			log.mu.Lock()
			records := log.records
			log.mu.Unlock()
			if records != int64(users+len(bursts)) {
				b.Fatalf("elt watch's first build took %d records, want the %d users of the file:\n%s", records, users+len(bursts), log.tail())
			}
			break
		}
	}

	// Produce: every tick, the events due by now at rate, a transaction
	// per txEach events, and the bursts' transactions due.
	event := func(n int, now time.Time) produce.Message {
		user := fmt.Sprintf("u%06d", (n/5)%users)
		v := fmt.Sprintf(`{"event_id": "k%09d", "session_id": "ks%08d", "user_id": %q, "event_type": "page_view", "event_timestamp": %q, "properties": {"page": "/p/%d"}}`,
			n, n/5, user, now.UTC().Format("2006-01-02 15:04:05.000"), n%500)
		return produce.Message{Key: []byte(user), Value: []byte(v), Partition: produce.AnyPartition}
	}
	tx := func(id, session, user string, now time.Time) produce.Message {
		v := fmt.Sprintf(`{"transaction_id": %q, "session_id": %q, "user_id": %q, "amount": "%d.50", "currency": "EUR", "status": "completed", "transaction_timestamp": %q}`,
			id, session, user, 10+len(id)%90, now.UTC().Format("2006-01-02 15:04:05.000"))
		return produce.Message{Key: []byte(user), Value: []byte(v), Partition: produce.AnyPartition}
	}
	_, initial, _ := log.state() // the users file's build, before the stream
	var sentEvents, sentTx int
	next := 0 // the next burst transaction: bursts[next/4].ids[next%4]
	t0 := time.Now()
	b.ResetTimer()
	for {
		now := time.Now()
		el := now.Sub(t0)
		if el >= duration {
			break
		}
		var evs, txs []produce.Message
		for due := int(el.Seconds() * rate); sentEvents < due; sentEvents++ {
			evs = append(evs, event(sentEvents, now))
			if sentEvents%txEach == 0 {
				n := sentEvents / txEach
				// Transactions go round the users (one each 100 s at
				// 200/s): none reaches the velocity rule by itself.
				txs = append(txs, tx(fmt.Sprintf("kt%08d", n), fmt.Sprintf("ks%08d", sentEvents/5), fmt.Sprintf("u%06d", (n*7)%users), now))
				sentTx++
			}
		}
		// A burst's four transactions 250 ms apart, its 4th at bu.at.
		for next < 4*len(bursts) {
			bu := bursts[next/4]
			if el < bu.at-time.Duration(3-next%4)*250*time.Millisecond {
				break
			}
			txs = append(txs, tx(bu.ids[next%4], "fs"+bu.user, bu.user, now))
			sentTx++
			next++
		}
		if err := evp.Produce(ctx, evs); err != nil {
			b.Fatal(err)
		}
		if err := txp.Produce(ctx, txs); err != nil {
			b.Fatal(err)
		}
		if _, _, failed := log.state(); len(failed) > 0 {
			b.Fatalf("elt watch failed a build:\n%s", strings.Join(failed, "\n"))
		}
		time.Sleep(time.Until(now.Add(tick)))
	}
	producing := time.Since(t0)
	// Until watch has taken every message.
	total := int64(sentEvents + sentTx)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		got, _, failed := log.state()
		if len(failed) > 0 {
			b.Fatalf("elt watch failed:\n%s", strings.Join(failed, "\n"))
		}
		if got >= total {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("elt watch took %d of the %d messages produced:\n%s", got, total, log.tail())
		}
	}
	b.StopTimer()
	stop()
	if path := os.Getenv("ELT_BENCH_WATCH_LOG"); path != "" {
		testutil.WriteFile(b, path, strings.Join(log.lines, "\n")+"\n")
	}
	log.mu.Lock()
	committed, builds := log.committed, slices.Clone(log.builds[initial:])
	inOrder := slices.Clone(builds)
	// Where a build's time goes, in the median: what comes before the
	// run begins (the project loaded, the headers checked, the warehouse
	// opened), ingesting the batches, the models, the checks and the
	// commit, and the exports after it.
	var before, ingest, models, commit, exports []time.Duration
	for run, ph := range log.phases {
		if run <= int64(initial) || ph["published"].IsZero() || ph["model_done"].IsZero() || ph["source_ingested"].IsZero() || ph["build_finished"].IsZero() {
			continue
		}
		before = append(before, ph["build_started"].Sub(ph["watch_build_started"]))
		ingest = append(ingest, ph["source_ingested"].Sub(ph["build_started"]))
		models = append(models, ph["model_done"].Sub(ph["source_ingested"]))
		commit = append(commit, ph["published"].Sub(ph["model_done"]))
		exports = append(exports, ph["build_finished"].Sub(ph["published"]))
	}
	log.mu.Unlock()

	// The commit times, as a table of the query.
	var values []string
	for id, at := range committed {
		values = append(values, fmt.Sprintf("(%d, TIMESTAMP '%s')", id, at.UTC().Format("2006-01-02 15:04:05.000")))
	}
	commits := "commits(run_id, committed) AS (VALUES " + strings.Join(values, ", ") + ")"
	query := func(q string) [][]string {
		b.Helper()
		out := mustEltB(b, "--project", proj, "query", "--format", "csv", q)
		var rows [][]string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			rows = append(rows, strings.Split(line, ","))
		}
		return rows
	}
	// Latency over every event: to the commit, and to the run's
	// finished_at in elt.runs (after its exports).
	lat := query("WITH " + commits + `, l AS (
		SELECT epoch(c.committed) - epoch(e._kafka_timestamp) AS to_commit,
		       epoch(r.finished_at) - epoch(e._kafka_timestamp) AS to_finish
		FROM bronze.events AS e LEFT JOIN commits AS c ON c.run_id = e._run_id JOIN elt.runs AS r ON r.run_id = e._run_id)
		SELECT count(*), count(to_commit), round(quantile_cont(to_commit, 0.5), 3), round(quantile_cont(to_commit, 0.99), 3), round(max(to_commit), 3),
		       round(quantile_cont(to_finish, 0.5), 3), round(quantile_cont(to_finish, 0.99), 3),
		       (SELECT count(*) FROM (SELECT event_id FROM bronze.events GROUP BY ALL HAVING count(*) > 1)),
		       (SELECT count(*) FROM bronze.transactions), (SELECT count(DISTINCT transaction_id) FROM bronze.transactions),
		       (SELECT count(*) FROM silver.quarantine)
		FROM l`)[0]
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			b.Fatalf("%q is not a number: %v", s, err)
		}
		return f
	}
	if lat[0] != fmt.Sprint(sentEvents) || lat[7] != "0" {
		b.Fatalf("bronze.events has %s rows (%s event ids more than once), want the %d events produced, each once", lat[0], lat[7], sentEvents)
	}
	if lat[8] != fmt.Sprint(sentTx) || lat[9] != fmt.Sprint(sentTx) {
		b.Fatalf("bronze.transactions has %s rows, %s distinct, want the %d produced, each once", lat[8], lat[9], sentTx)
	}
	if lat[10] != "0" {
		b.Errorf("%s records quarantined, want none", lat[10])
	}
	if lat[1] != lat[0] {
		b.Fatalf("%.0f of the %s events were taken by a build whose commit watch did not report", num(lat[0])-num(lat[1]), lat[0])
	}
	p50, p99 := num(lat[2]), num(lat[3])

	// The bursts: each flagged at its 4th transaction, nothing else.
	alerts := query("WITH " + commits + `
		SELECT a.user_id, a.transaction_id, a.transactions_in_window, round(epoch(c.committed) - epoch(t._kafka_timestamp), 3)
		FROM gold.fraud_velocity_alerts AS a
		JOIN bronze.transactions AS t USING (transaction_id)
		LEFT JOIN commits AS c ON c.run_id = t._run_id
		ORDER BY a.user_id, a.transaction_id`)
	flagged := map[string][]string{}
	var alertLat []float64
	for _, a := range alerts {
		flagged[a[0]] = append(flagged[a[0]], a[1])
		if strings.HasPrefix(a[0], "f") && a[3] != "" {
			alertLat = append(alertLat, num(a[3]))
		}
	}
	for _, bu := range bursts {
		if got := flagged[bu.user]; !slices.Equal(got, bu.ids[3:]) {
			b.Errorf("the burst of %s (transactions %v, the 4th at %.1f s) is flagged at %v, want at %s", bu.user, bu.ids, bu.at.Seconds(), got, bu.ids[3])
		}
		delete(flagged, bu.user)
	}
	if len(flagged) > 0 {
		b.Errorf("gold.fraud_velocity_alerts flags users no burst was injected for: %v", flagged)
	}
	slices.Sort(alertLat)
	slices.Sort(builds)
	rateGot := float64(sentEvents) / producing.Seconds()
	fmt.Printf("\n%.0f s of %d events/s (+%d transactions/s) to kfake in the benchmark's process, 3 partitions each; elt watch, max_wait 500ms, 2 cores\n\n",
		duration.Seconds(), rate, rate/txEach)
	fmt.Printf("| measure | value |\n|---|---|\n")
	fmt.Printf("| events produced | %d (%.0f/s) and %d transactions |\n", sentEvents, rateGot, sentTx)
	fmt.Printf("| builds | %d (median %.2f s, longest %.2f s) |\n", len(builds), builds[len(builds)/2], builds[len(builds)-1])
	if len(ingest) > 0 {
		fmt.Printf("| a build's parts (medians) | before the run %.2f s, ingest %.2f s, models %.2f s, checks and commit %.2f s, exports after %.2f s |\n",
			medianDuration(before).Seconds(), medianDuration(ingest).Seconds(), medianDuration(models).Seconds(), medianDuration(commit).Seconds(), medianDuration(exports).Seconds())
	}
	fmt.Printf("| event latency, produce → commit | p50 %.2f s, p99 %.2f s, max %s s |\n", p50, p99, lat[4])
	fmt.Printf("| the same, to elt.runs.finished_at (after the exports) | p50 %s s, p99 %s s |\n", lat[5], lat[6])
	if len(alertLat) > 0 {
		var each []string
		for _, s := range alertLat {
			each = append(each, fmt.Sprintf("%.2f", s))
		}
		fmt.Printf("| fraud bursts flagged | %d of %d; 4th transaction → alert committed: median %.2f s, max %.2f s (%s) |\n\n",
			len(alertLat), len(bursts), alertLat[len(alertLat)/2], alertLat[len(alertLat)-1], strings.Join(each, ", "))
	}
	var secs []string
	for _, s := range inOrder {
		secs = append(secs, fmt.Sprintf("%.2f", s))
	}
	fmt.Printf("builds in order (s): %s\n\n", strings.Join(secs, " "))
	if p99 > 2 {
		fmt.Printf("p99 %.2f s is over the 2 s target (not failed: machines are noisy)\n\n", p99)
	}
	b.ReportMetric(p50, "p50-s")
	b.ReportMetric(p99, "p99-s")
	b.ReportMetric(rateGot, "events/s")
	b.ReportMetric(float64(len(builds)), "builds")
	if len(alertLat) > 0 {
		b.ReportMetric(alertLat[len(alertLat)-1], "burst-alert-max-s")
	}
}

// mustEltB runs the CLI in-process and returns its output; it fails the
// benchmark on a non-zero exit.
func mustEltB(b *testing.B, args ...string) string {
	b.Helper()
	var out, errb strings.Builder
	if code := Run(context.Background(), append([]string{"elt"}, args...), strings.NewReader(""), &out, &errb); code != 0 {
		b.Fatalf("elt %s: exit %d\n%s", strings.Join(args, " ")[:min(300, len(strings.Join(args, " ")))], code, errb.String())
	}
	return out.String()
}
