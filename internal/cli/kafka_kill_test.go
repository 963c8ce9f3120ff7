package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// The acceptance test of a Kafka source under elt watch: a producer writes
// 200,000 events (and the generator's dirt) to a 3-partition topic over
// half a minute, while elt watch is killed with SIGKILL at 20 random
// moments and started again each time. Once the producer is done, a last
// watch catches up; its warehouse must then equal a fresh full build of
// the same topic into another warehouse, and every message must be in
// bronze or the quarantine exactly once.

const (
	killTopic      = "events"
	killPartitions = 3
	killCount      = 20
)

// kafkaKillProject is the repository's project with its events read from
// the topic on addr, and the transactions and users of a generated data
// set as files; it returns the project and the event lines, the messages
// to produce.
func kafkaKillProject(t *testing.T, addr string) (string, [][]byte) {
	t.Helper()
	proj := copyProject(t, repoRoot(t), t.TempDir())
	cfg := filepath.Join(proj, "elt.yaml")
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const at = "  events:\n    format: ndjson\n"
	if !bytes.Contains(text, []byte(at)) {
		t.Fatalf("the repository's elt.yaml has no %q", at)
	}
	line := fmt.Sprintf("    kafka: {brokers: [%q], topic: %s, start: earliest, max_wait: 250ms, max_records: 0}\n", addr, killTopic)
	text = bytes.Replace(text, []byte(at), []byte(at+line), 1)
	if err := os.WriteFile(cfg, text, 0o644); err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join(t.TempDir(), "gen")
	mustElt(t, "--project", proj, "generate", "--events", "200000", "--users", "2000", "--days", "3", "--out", gen)
	bronze := filepath.Join(proj, "data", "bronze")
	for _, src := range []string{"transactions", "users"} {
		testutil.CopyTree(t, filepath.Join(gen, src), filepath.Join(bronze, src))
	}
	var lines [][]byte
	for _, rel := range testutil.Arrivals(t, gen) {
		if !strings.HasPrefix(rel, "events/") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(gen, rel))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.Split(data, []byte("\n")) {
			if len(l) > 0 {
				lines = append(lines, l)
			}
		}
	}
	return proj, lines
}

// produced is what the producer wrote: messages and each partition's end.
type produced struct {
	mu       sync.Mutex
	messages int64
	ends     map[int32]int64
	err      error
}

// produceSteadily writes the lines to the topic, keyed by user_id as elt
// generate --kafka does, in killCount parts: part i begins when go says
// so (as the i-th watch starts), or when part i-1 ends if that is later,
// and goes at a steady pace (a batch of 1,000 every 100ms), so messages
// are being written at each of the kills. done is closed when every
// message is acknowledged.
func produceSteadily(addr string, lines [][]byte, goes <-chan struct{}, p *produced, done chan<- struct{}) {
	defer close(done)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ProducerLinger(0))
	if err != nil {
		p.err = err
		return
	}
	defer cl.Close()
	const batch, pace = 1000, 100 * time.Millisecond
	per := (len(lines) + killCount - 1) / killCount
	for part := 0; part*per < len(lines); part++ {
		<-goes
		t0 := time.Now()
		rest := lines[part*per : min((part+1)*per, len(lines))]
		for i := 0; i*batch < len(rest); i++ {
			recs := make([]*kgo.Record, 0, batch)
			for _, l := range rest[i*batch : min((i+1)*batch, len(rest))] {
				recs = append(recs, &kgo.Record{Topic: killTopic, Key: userKeyOf(l), Value: l})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := cl.ProduceSync(ctx, recs...).FirstErr()
			cancel()
			p.mu.Lock()
			if err != nil {
				p.err = fmt.Errorf("producing part %d, batch %d: %w", part, i, err)
				p.mu.Unlock()
				return
			}
			for _, r := range recs {
				p.messages++
				p.ends[r.Partition] = max(p.ends[r.Partition], r.Offset+1)
			}
			p.mu.Unlock()
			time.Sleep(time.Until(t0.Add(pace * time.Duration(i+1))))
		}
	}
}

// userKeyOf is an event line's user_id, nil when it has none.
func userKeyOf(line []byte) []byte {
	var ev struct {
		UserID *string `json:"user_id"`
	}
	if json.Unmarshal(line, &ev) != nil || ev.UserID == nil {
		return nil
	}
	return []byte(*ev.UserID)
}

// watchChild is elt watch running as a child process (this test binary
// standing in for elt), its events read as they come.
type watchChild struct {
	cmd    *exec.Cmd
	events chan string // the names of its events, in order
	done   chan struct{}
	log    *syncBuffer
}

// startWatch starts elt watch on the project, with --log-format json so
// that each event (watch_build_started, source_ingested, model_done, ...)
// is a line on stderr.
func startWatch(t *testing.T, proj string, log *syncBuffer) *watchChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "--project", proj, "--log-format", "json", "watch")
	cmd.Env = append(os.Environ(), "ELT_TEST_MAIN=1")
	cmd.Stdout = log
	errs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) // a test that stops early leaves none running
	w := &watchChild{cmd: cmd, events: make(chan string, 4096), done: make(chan struct{}), log: log}
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(errs)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(log, line)
			var e struct {
				Event string `json:"event"`
			}
			if json.Unmarshal([]byte(line), &e) == nil && e.Event != "" {
				select {
				case w.events <- e.Event:
				default:
				}
			}
		}
	}()
	return w
}

// kill kills the child with SIGKILL and waits for it.
func (w *watchChild) kill() {
	w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.done
	w.cmd.Wait()
}

// killMoment is where one kill lands.
type killMoment struct {
	after time.Duration // after the start, for a timed kill
	event string        // or at this event of a build ("" for a timed kill)
	delay time.Duration // and this long after it
	// later aims at a build after the first one this watch committed (a
	// micro-batch), not at the build that catches up as watch starts.
	later bool
}

func (k killMoment) String() string {
	if k.event == "" {
		return fmt.Sprintf("%.2fs after start", k.after.Seconds())
	}
	which := "first build"
	if k.later {
		which = "later build"
	}
	return fmt.Sprintf("%.0fms after %s, %s", float64(k.delay.Microseconds())/1000, k.event, which)
}

// killEvents are the moments of a build a kill may aim at: a build begun,
// a source ingested (the batch read, not committed), a model built, the
// checks run, the counts reconciled (the commit is next), the run
// published (after it).
var killEvents = []string{"watch_build_started", "source_ingested", "model_done", "checks", "reconciliation", "published"}

// TestKafkaWatchKilled: kill -9 of elt watch at 20 random moments while a
// producer writes 200,000 events; after a restart has caught up, silver
// equals a fresh full build of the same messages, and every message is in
// bronze or the quarantine exactly once.
func TestKafkaWatchKilled(t *testing.T) {
	t0 := time.Now()
	k := testutil.StartKafka(t, killPartitions, killTopic)
	proj, lines := kafkaKillProject(t, k.Addr())
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 0x6b696c6c))

	prod := &produced{ends: map[int32]int64{}}
	prodDone, goes := make(chan struct{}), make(chan struct{}, killCount)
	go produceSteadily(k.Addr(), lines, goes, prod, prodDone)

	log := &syncBuffer{}
	failf := func(format string, args ...any) {
		t.Helper()
		out := log.String()
		if len(out) > 8000 {
			out = "…" + out[len(out)-8000:]
		}
		t.Fatalf(format+"\nwatch's last output:\n%s", append(args, out)...)
	}
	var duringBuild, afterProducer int
	for i := 0; i < killCount; i++ {
		// Two in five kills are timed, two aim at a moment of a later
		// build (so that each of those watches commits one build first:
		// the backlog a restart catches up with stays small), one at a
		// moment of the build that catches up.
		var m killMoment
		switch rnd.IntN(5) {
		case 0, 1:
			m.after = 300*time.Millisecond + time.Duration(rnd.Int64N(int64(2200*time.Millisecond)))
		default:
			m.event = killEvents[rnd.IntN(len(killEvents))]
			m.delay = time.Duration(rnd.Int64N(int64(40 * time.Millisecond)))
			m.later = rnd.IntN(3) > 0
		}
		goes <- struct{}{}
		w := startWatch(t, proj, log)
		start := time.Now()
		building, committed := false, false
		deadline := time.After(m.after)
		if m.event != "" {
			deadline = time.After(15 * time.Second) // a build shows the event well before
		}
	wait:
		for {
			select {
			case e := <-w.events:
				switch e {
				case "watch_build_started":
					building = true
				case "watch_build_done":
					building, committed = false, true
				case "watch_build_failed":
					building = false
				}
				if e == m.event && (committed || !m.later) {
					time.Sleep(m.delay)
					break wait
				}
			case <-deadline:
				break wait
			case <-w.done:
				failf("kill %d: elt watch ended on its own", i+1)
			}
		}
		w.kill()
		// Events read but not yet taken tell whether a build was under way.
		for more := true; more; {
			select {
			case e := <-w.events:
				switch e {
				case "watch_build_started":
					building = true
				case "watch_build_done", "watch_build_failed":
					building = false
				}
			default:
				more = false
			}
		}
		if building {
			duringBuild++
		}
		select {
		case <-prodDone:
			afterProducer++
		default:
		}
		prod.mu.Lock()
		t.Logf("kill %2d: %-30s (%.2fs up, building: %-5v, %6d messages produced)", i+1, m, time.Since(start).Seconds(), building, prod.messages)
		prod.mu.Unlock()
	}
	<-prodDone
	if prod.err != nil {
		t.Fatal(prod.err)
	}

	// A last watch catches up: it builds until no message is left, then
	// waits (no build starts for many max_waits); stopped with Ctrl-C, its
	// batches must reach each partition's end. Watched by its events, not
	// by queries, which would hold the warehouse its builds write.
	w := startWatch(t, proj, log)
	var done, failed int
	quiet := time.NewTimer(time.Hour)
	for deadline := time.After(90 * time.Second); ; {
		select {
		case e := <-w.events:
			switch e {
			case "watch_build_started":
				quiet.Stop()
			case "watch_build_done", "watch_build_failed":
				done++
				if e == "watch_build_failed" {
					failed++
				}
				quiet.Reset(2 * time.Second)
			}
			continue
		case <-quiet.C:
		case <-deadline:
			w.kill()
			failf("the last watch did not settle in 90s (%d builds ended)", done)
		case <-w.done:
			failf("the last watch ended on its own")
		}
		break
	}
	w.cmd.Process.Signal(os.Interrupt)
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
		w.kill()
		failf("the last watch did not stop on SIGINT")
	}
	if err := w.cmd.Wait(); err != nil {
		failf("the last watch, stopped with SIGINT: %v", err)
	}
	if n := strings.Count(log.String(), `"event":"watch_build_failed"`); n > 0 {
		failf("%d builds failed (%d of the last watch's %d)", n, failed, done)
	}
	want := ""
	for p := int32(0); p < killPartitions; p++ {
		want += fmt.Sprintf("%d,%d\n", p, prod.ends[p])
	}
	ends := mustElt(t, "--project", proj, "query", "--format", "csv",
		`SELECT "partition" AS p, max(end_offset) AS e FROM elt.stream_batches WHERE source = 'events' GROUP BY 1 ORDER BY 1`)
	if ends != "p,e\n"+want {
		failf("the last watch settled short of the topic's ends:\n%s\nwant\n%s", ends, want)
	}
	watched := time.Since(t0)

	// A fresh full build of the same topic into another warehouse.
	ref := filepath.Join(t.TempDir(), "ref.duckdb")
	mustElt(t, "--project", proj, "--warehouse", ref, "build")

	db, err := warehouse.Open(context.Background(), filepath.Join(proj, "data", "warehouse.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("ATTACH " + quote(ref) + " AS ref (READ_ONLY)"); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	// The tables, as they must be equal (the run that loaded a row aside).
	for name, cols := range map[string]string{
		"silver.events":              "*",
		"silver.quarantine":          "* EXCLUDE (run_id)",
		"bronze.events":              "* EXCLUDE (_run_id)",
		"gold.user_session_analysis": "*",
	} {
		n, nRef := count("SELECT count(*) FROM "+name), count("SELECT count(*) FROM ref."+name)
		onlyHere := count(fmt.Sprintf("SELECT count(*) FROM (SELECT %s FROM %s EXCEPT ALL SELECT %s FROM ref.%s)", cols, name, cols, name))
		onlyRef := count(fmt.Sprintf("SELECT count(*) FROM (SELECT %s FROM ref.%s EXCEPT ALL SELECT %s FROM %s)", cols, name, cols, name))
		if n != nRef || onlyHere != 0 || onlyRef != 0 {
			t.Errorf("%s after the kills: %d rows, %d not in the fresh build; the fresh build: %d rows, %d not after the kills", name, n, onlyHere, nRef, onlyRef)
		}
	}

	// Every message in bronze or the quarantine exactly once.
	const messages = `SELECT _kafka_partition AS p, _kafka_offset AS o FROM bronze.events
		UNION ALL SELECT CAST(split_part(file, '/', 4) AS INTEGER), line FROM silver.quarantine WHERE source = 'events'`
	for p := int32(0); p < killPartitions; p++ {
		var n, distinct, lo, hi int64
		err := db.QueryRow(fmt.Sprintf("SELECT count(*), count(DISTINCT o), coalesce(min(o), -1), coalesce(max(o), -1) FROM (%s) WHERE p = %d", messages, p)).Scan(&n, &distinct, &lo, &hi)
		if err != nil {
			t.Fatal(err)
		}
		if end := prod.ends[p]; n != end || distinct != end || (end > 0 && (lo != 0 || hi != end-1)) {
			t.Errorf("partition %d: offsets 0 to %d produced; bronze and the quarantine hold %d rows, %d offsets, from %d to %d", p, end-1, n, distinct, lo, hi)
		}
	}
	// Each partition's batches follow one another: none overlaps, none skips.
	if gaps := count(`SELECT count(*) FROM (SELECT from_offset, lag(end_offset, 1, 0) OVER (PARTITION BY "partition" ORDER BY run_id) AS prev
		FROM elt.stream_batches WHERE source = 'events') WHERE from_offset <> prev`); gaps != 0 {
		t.Errorf("%d batches do not start where the partition's previous batch ended", gaps)
	}

	var c struct{ batches, read, bronze, silver, quarantined, success, interrupted, runs int64 }
	err = db.QueryRow(`SELECT (SELECT count(*) FROM elt.stream_batches WHERE source = 'events'),
		(SELECT coalesce(sum(records), 0) FROM elt.stream_batches WHERE source = 'events'),
		(SELECT count(*) FROM bronze.events), (SELECT count(*) FROM silver.events),
		(SELECT count(*) FROM silver.quarantine WHERE source = 'events'),
		(SELECT count(*) FILTER (WHERE status = 'success') FROM elt.runs),
		(SELECT count(*) FILTER (WHERE status = 'interrupted') FROM elt.runs),
		(SELECT count(*) FROM elt.runs)`).Scan(&c.batches, &c.read, &c.bronze, &c.silver, &c.quarantined, &c.success, &c.interrupted, &c.runs)
	if err != nil {
		t.Fatal(err)
	}
	if c.read != prod.messages || c.bronze+c.quarantined != prod.messages {
		t.Errorf("reconciliation: %d messages produced, %d read by the batches, %d in bronze + %d quarantined", prod.messages, c.read, c.bronze, c.quarantined)
	}
	if c.runs != c.success+c.interrupted {
		t.Errorf("%d runs, %d of them committed and %d interrupted: a run is left running, or failed", c.runs, c.success, c.interrupted)
	}
	if c.interrupted == 0 {
		t.Errorf("no run was interrupted by the %d kills: none landed in a build", killCount)
	}
	t.Logf(`
  messages produced       %7d  (%d events + the generator's dirt, 3 partitions, ends %v)
  read by the batches     %7d  (%d batches in elt.stream_batches)
  bronze.events           %7d
  silver.events           %7d
  superseded              %7d
  quarantined             %7d
  bronze + quarantined    %7d
  kills                   %7d  (%d while a build ran, %d after the producer was done)
  runs                    %7d  (%d committed, %d interrupted)
  watch, kills and catch-up %.1fs; the test %.1fs`,
		prod.messages, 200000, prod.ends, c.read, c.batches, c.bronze, c.silver, c.bronze-c.silver, c.quarantined,
		c.bronze+c.quarantined, killCount, duringBuild, afterProducer, c.runs, c.success, c.interrupted,
		watched.Seconds(), time.Since(t0).Seconds())
}
