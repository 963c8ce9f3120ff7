package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/testutil"
)

// serveChild is elt serve running as a child process (the test binary
// standing in for elt), its JSON events read as they come.
type serveChild struct {
	cmd     *exec.Cmd
	addr    string // host:port for PostgreSQL clients
	metrics string // host:port of /metrics
	log     *syncBuffer
	events  chan map[string]any
	done    chan struct{}
}

// startServe starts elt serve on free loopback ports for proj and waits
// until it answers; env is added to its environment. It is stopped
// (SIGKILL) when the test ends, unless stopped before.
func startServe(t *testing.T, proj string, env ...string) *serveChild {
	t.Helper()
	s := &serveChild{
		addr:    fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t)),
		metrics: fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t)),
		log:     &syncBuffer{}, events: make(chan map[string]any, 1<<14), done: make(chan struct{}),
	}
	s.cmd = exec.Command(os.Args[0], "--project", proj, "--log-format", "json", "serve", "--listen", s.addr, "--metrics-listen", s.metrics, "--interval", "200ms")
	s.cmd.Env = append(append(os.Environ(), "ELT_TEST_MAIN=1"), env...)
	s.cmd.Stdout = s.log
	errs, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.done })
	ready := make(chan struct{})
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(errs)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			fmt.Fprintln(s.log, sc.Text())
			var e map[string]any
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			if e["event"] == "info" && e["kind"] == "serving" {
				close(ready)
			}
			select {
			case s.events <- e:
			default:
			}
		}
	}()
	select {
	case <-ready:
	case <-s.done:
		t.Fatalf("elt serve ended before it answered:\n%s", s.log.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("elt serve did not answer within a minute:\n%s", s.log.String())
	}
	return s
}

// connect is a pgx connection to the server, closed when the test ends.
func (s *serveChild) connect(t testing.TB, extra string) *pgx.Conn {
	t.Helper()
	host, port, _ := strings.Cut(s.addr, ":")
	conn, err := pgx.Connect(context.Background(), fmt.Sprintf("host=%s port=%s user=analyst dbname=elt sslmode=disable %s", host, port, extra))
	if err != nil {
		t.Fatalf("connect to elt serve: %v\n%s", err, s.log.String())
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// stop sends SIGTERM and returns the exit code.
func (s *serveChild) stop(t *testing.T) int {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	<-s.done
	s.cmd.Wait()
	return s.cmd.ProcessState.ExitCode()
}

// waitEvent waits for an event of the given name (a minute at most).
func (s *serveChild) waitEvent(t *testing.T, name string) map[string]any {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		select {
		case e := <-s.events:
			if e["event"] == name {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event within a minute:\n%s", name, s.log.String())
		}
	}
}

// TestServeClients: psql, pgx and psycopg read gold from elt serve while
// it holds the warehouse; elt query from another process is answered by
// it; a write of any kind is refused and changes nothing on disk; the
// metrics and the health check answer; SIGTERM ends it with exit 0.
func TestServeClients(t *testing.T) {
	proj := pipelineProject(t)
	cfg, err := os.OpenFile(filepath.Join(proj, "elt.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(cfg, "serve: {max_rows: 5000, idle_in_transaction_timeout: 1s}")
	cfg.Close()
	want := strings.TrimSpace(mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT count(*) AS n, sum(amount) AS amount FROM gold.user_session_analysis"))
	s := startServe(t, proj)
	ctx := context.Background()

	t.Run("elt query from another process", func(t *testing.T) {
		got := strings.TrimSpace(mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT count(*) AS n, sum(amount) AS amount FROM gold.user_session_analysis"))
		if got != want {
			t.Errorf("elt query through elt serve printed\n%s\nwant (before it started)\n%s", got, want)
		}
	})

	t.Run("pgx simple and prepared", func(t *testing.T) {
		conn := s.connect(t, "")
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM gold.user_session_analysis", pgx.QueryExecModeSimpleProtocol).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(want, "n,amount\n"+fmt.Sprint(n)+",") {
			t.Errorf("simple protocol: %d sessions, elt query said %s", n, want)
		}
		var user string
		var start time.Time
		if err := conn.QueryRow(ctx, "SELECT user_id, session_start_time FROM gold.user_session_analysis WHERE user_id IS NOT NULL ORDER BY session_id LIMIT 1").Scan(&user, &start); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, "SELECT session_id, session_start_time FROM gold.user_session_analysis WHERE user_id = $1 AND session_start_time >= $2 ORDER BY session_id", user, start)
		if err != nil {
			t.Fatal(err)
		}
		count := 0
		for rows.Next() {
			var id string
			var at time.Time
			if err := rows.Scan(&id, &at); err != nil {
				t.Fatal(err)
			}
			if at.Before(start) {
				t.Errorf("session %s starts %s, before the parameter %s", id, at, start)
			}
			count++
		}
		if err := rows.Err(); err != nil || count == 0 {
			t.Errorf("prepared query with parameters: %d rows, %v", count, err)
		}
	})

	t.Run("psql", func(t *testing.T) {
		if _, err := exec.LookPath("psql"); err != nil {
			t.Skip("psql is not installed (make test installs postgresql-client)")
		}
		host, port, _ := strings.Cut(s.addr, ":")
		psql := func(args ...string) string {
			cmd := exec.Command("psql", append([]string{"-h", host, "-p", port, "-U", "analyst", "-d", "elt", "-X", "-v", "ON_ERROR_STOP=1"}, args...)...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("psql %s: %v\n%s\nserver:\n%s", strings.Join(args, " "), err, out, s.log.String())
			}
			return string(out)
		}
		dt := psql("-c", `\dt gold.*`)
		for _, name := range []string{"user_session_analysis", "user_features", "fraud_velocity_alerts"} {
			if !strings.Contains(dt, name) {
				t.Errorf(`\dt gold.* does not list %s:\n%s`, name, dt)
			}
		}
		d := psql("-c", `\d gold.user_session_analysis`)
		for _, col := range []string{"session_id", "user_id", "session_start_time", "timestamp without time zone"} {
			if !strings.Contains(d, col) {
				t.Errorf(`\d gold.user_session_analysis does not show %s:\n%s`, col, d)
			}
		}
		got := psql("-A", "-F", ",", "-c", "SELECT count(*) AS n, sum(amount) AS amount FROM gold.user_session_analysis")
		if !strings.HasPrefix(got, want+"\n") {
			t.Errorf("psql printed\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("psycopg", func(t *testing.T) {
		if exec.Command("/usr/bin/python3", "-c", "import psycopg").Run() != nil {
			t.Skip("python3-psycopg is not installed (make test installs it)")
		}
		host, port, _ := strings.Cut(s.addr, ":")
		script := fmt.Sprintf(`
import psycopg
with psycopg.connect(host=%q, port=%s, user="analyst", dbname="elt") as conn:
    row = conn.execute("SELECT session_id, session_start_time, amount, is_conversion, total_events::DOUBLE AS events, CAST(session_start_time AS DATE) AS day, 1::BIGINT AS one FROM gold.user_session_analysis WHERE amount IS NOT NULL LIMIT 1").fetchone()
    print(",".join(type(v).__name__ for v in row))
`, host, port)
		out, err := exec.Command("/usr/bin/python3", "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("psycopg: %v\n%s", err, out)
		}
		if got, want := strings.TrimSpace(string(out)), "str,datetime,Decimal,bool,float,date,int"; got != want {
			t.Errorf("psycopg read the types %s, want %s", got, want)
		}
	})

	t.Run("writes are refused and change nothing", func(t *testing.T) {
		conn := s.connect(t, "")
		before := testutil.TreeHash(t, filepath.Join(proj, "data"))
		outside := filepath.Join(t.TempDir(), "x.csv")
		for _, q := range []string{
			"COPY gold.user_session_analysis TO " + quote(outside),
			"CREATE TABLE gold.x AS SELECT 1",
			"ATTACH " + quote(filepath.Join(t.TempDir(), "other.duckdb")) + " AS other",
			"SET memory_limit = '1GB'",
			"EXPLAIN ANALYZE COPY gold.user_session_analysis TO " + quote(outside),
			"DROP TABLE gold.user_features",
			"SELECT * FROM read_csv('/etc/passwd')",
			"SELECT * FROM force_checkpoint()",
			`SELECT * FROM "checkpoint"()`,
			"SELECT * FROM enable_profiling(format:='json', save_location:=" + quote(filepath.Join(proj, "data", "bronze", "events", "x.json")) + ")",
			"SELECT * FROM enable_logging(level:='trace')",
			"SELECT * FROM query('SELECT * FROM enable_profiling()')",
			"SELECT * FROM glob('/tmp/*')",
			"SELECT nextval('s')",
		} {
			if _, err := conn.Exec(ctx, q); err == nil {
				t.Errorf("%s: not refused", q)
			}
			var one int
			if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
				t.Fatalf("after %s the connection no longer answers: %v", q, err)
			}
		}
		if _, err := os.Stat(outside); err == nil {
			t.Errorf("COPY wrote %s", outside)
		}
		if after := testutil.TreeHash(t, filepath.Join(proj, "data")); after != before {
			t.Errorf("the project's data changed while only refused statements ran")
		}
	})

	t.Run("limits", func(t *testing.T) {
		conn := s.connect(t, "")
		start := time.Now()
		_, err := conn.Exec(ctx, "SELECT i, repeat('x', 200) FROM range(100000000) t(i)")
		if err == nil || !strings.Contains(err.Error(), "54000") {
			t.Errorf("a result of 100M rows over serve.max_rows 5000: %v, want 54000", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("refusing a result over serve.max_rows took %s: it was built whole first", d)
		}
		rows, err := conn.Query(ctx, "SELECT i FROM range(5000) t(i) ORDER BY i DESC")
		if err != nil {
			t.Fatal(err)
		}
		n, first := 0, int64(-1)
		for rows.Next() {
			var i int64
			rows.Scan(&i)
			if n == 0 {
				first = i
			}
			n++
		}
		if rows.Err() != nil || n != 5000 || first != 4999 {
			t.Errorf("a result of exactly serve.max_rows: %d rows, first %d, %v; want 5000 in order", n, first, rows.Err())
		}
		// A client that began a transaction and went quiet is disconnected.
		idle := s.connect(t, "")
		if _, err := idle.Exec(ctx, "BEGIN"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		if _, err := idle.Exec(ctx, "SELECT 1"); err == nil {
			t.Errorf("a transaction idle past serve.idle_in_transaction_timeout (1s) was kept")
		}
	})

	t.Run("metrics and health", func(t *testing.T) {
		for path, want := range map[string]string{"/metrics": "elt_model_rows{model=\"gold.user_session_analysis\"}", "/healthz": `"status":"ok"`} {
			resp, err := http.Get("http://" + s.metrics + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
				t.Errorf("GET %s: %d, no %q in\n%.2000s", path, resp.StatusCode, want, body)
			}
		}
	})

	t.Run("a second elt serve", func(t *testing.T) {
		code, _, errs := elt(t, "--project", proj, "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "off")
		if code != ExitFailure || !strings.Contains(errs, "already serves the warehouse") || !strings.Contains(errs, s.addr) {
			t.Errorf("a second elt serve on the warehouse: exit %d\n%s\nwant 1, naming the first and its address", code, errs)
		}
	})

	if code := s.stop(t); code != 0 {
		t.Errorf("SIGTERM: exit %d, want 0\n%s", code, s.log.String())
	}
	if _, err := os.Stat(filepath.Join(proj, "data", "warehouse.duckdb.serve")); err == nil {
		t.Errorf("elt serve left the file saying where it answers")
	}
}

// TestServePassword: beyond loopback elt serve refuses to start without a
// password; with one, a client with a wrong password is refused and one
// with the right password reads.
func TestServePassword(t *testing.T) {
	proj := pipelineProject(t)
	code, _, errs := elt(t, "--project", proj, "serve", "--listen", "0.0.0.0:0")
	if code != ExitUsage || !strings.Contains(errs, "ELT_SERVE_PASSWORD") {
		t.Fatalf("serve on 0.0.0.0 without a password: exit %d, want %d naming ELT_SERVE_PASSWORD\n%s", code, ExitUsage, errs)
	}
	s := startServe(t, proj, "ELT_SERVE_PASSWORD=s3cret-pass")
	host, port, _ := strings.Cut(s.addr, ":")
	for _, pw := range []string{"wrong", ""} {
		_, err := pgx.Connect(context.Background(), fmt.Sprintf("host=%s port=%s user=analyst dbname=elt sslmode=disable password=%s", host, port, pw))
		if err == nil || !strings.Contains(err.Error(), "28P01") && !strings.Contains(err.Error(), "password") {
			t.Errorf("password %q: %v, want refused", pw, err)
		}
	}
	conn := s.connect(t, "password=s3cret-pass")
	var n int64
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM gold.user_session_analysis").Scan(&n); err != nil || n == 0 {
		t.Errorf("with the password: %d sessions, %v", n, err)
	}
	if strings.Contains(s.log.String(), "s3cret-pass") {
		t.Errorf("the password was written to the log")
	}
}

// serveSeconds is how long the readers of TestServeReadsDuringBuilds read:
// ELT_SERVE_SECONDS (60 for the acceptance run, make bench-serve), else 12.
func serveSeconds(t *testing.T) time.Duration {
	if v := os.Getenv("ELT_SERVE_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ELT_SERVE_SECONDS=%q: want a number of seconds", v)
		}
		return time.Duration(n) * time.Second
	}
	return 12 * time.Second
}

// servePace is how long each client of TestServeReadsDuringBuilds waits
// between its rounds (an invariant read and a lookup): ELT_SERVE_PACE (a
// duration; make bench-serve runs 200ms, as people and dashboards do),
// else none: every client reads without pause, which measures the
// server saturated rather than how long one read takes.
func servePace(t *testing.T) time.Duration {
	v := os.Getenv("ELT_SERVE_PACE")
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		t.Fatalf("ELT_SERVE_PACE=%q: want a duration like 200ms", v)
	}
	return d
}

// TestServeReadsDuringBuilds: 32 clients query elt serve without pause
// while bronze files land one after another and builds publish them. No
// statement fails, and every read sees one build whole: the sessions that
// gold.user_features counts per user (built from gold.user_session_analysis
// in the same build) add up to the sessions gold.user_session_analysis
// holds, read in the same statement; a read between two models of one
// build would see the new sessions without the new features. The
// latencies of a one-row lookup are reported.
func TestServeReadsDuringBuilds(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	gen := filepath.Join(t.TempDir(), "gen")
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "60000", "--users", "400", "--days", "60", "--out", gen)
	arrivals := testutil.Arrivals(t, gen)
	bronze := filepath.Join(proj, "data", "bronze")
	land := func(rel string) {
		dst := filepath.Join(bronze, rel)
		testutil.MkdirAll(t, filepath.Dir(dst))
		tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".landing")
		testutil.CopyFile(t, filepath.Join(gen, rel), tmp)
		if err := os.Rename(tmp, dst); err != nil { // whole at once, as a landing job renames
			t.Fatal(err)
		}
	}
	// The first file of each source lands before elt serve starts; the
	// others while it serves.
	var rest []string
	first := map[string]bool{}
	for _, rel := range arrivals {
		if src, _, _ := strings.Cut(rel, "/"); !first[src] {
			first[src] = true
			land(rel)
			continue
		}
		rest = append(rest, rel)
	}
	mustElt(t, "--project", proj, "build")
	s := startServe(t, proj)
	seconds, pace := serveSeconds(t), servePace(t)

	const clients = 32
	const invariant = `SELECT (SELECT coalesce(sum(sessions), 0) FROM gold.user_features) AS features,
       (SELECT count(*) FROM gold.user_session_analysis WHERE user_id IS NOT NULL) AS sessions,
       (SELECT count(*) FROM silver.events) AS events`
	type tally struct {
		reads, broken, errs int
		lookups             []time.Duration
		firstErr            string
		events              map[int64]bool
	}
	results := make(chan tally, clients)
	deadline := time.Now().Add(seconds)
	for c := 0; c < clients; c++ {
		go func(c int) {
			var r tally
			r.events = map[int64]bool{}
			defer func() { results <- r }()
			conn := s.connect(t, "")
			next := time.Now().Add(time.Duration(c) * pace / clients) // the clients' rounds spread over the pace
			for time.Now().Before(deadline) {
				if pace > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(pace)
				}
				var features, sessions, events int64
				if err := conn.QueryRow(context.Background(), invariant).Scan(&features, &sessions, &events); err != nil {
					r.errs++
					if r.firstErr == "" {
						r.firstErr = err.Error()
					}
					continue
				}
				r.reads++
				r.events[events] = true
				if features != sessions {
					r.broken++
				}
				start := time.Now()
				var id string
				err := conn.QueryRow(context.Background(), "SELECT session_id FROM gold.user_session_analysis WHERE session_id = $1", fmt.Sprintf("s-%d", c)).Scan(&id)
				if err != nil && err != pgx.ErrNoRows {
					r.errs++
					if r.firstErr == "" {
						r.firstErr = err.Error()
					}
					continue
				}
				r.lookups = append(r.lookups, time.Since(start))
			}
		}(c)
	}
	// Files land while the clients read: one every seconds/40, so that
	// more than 20 builds publish in a minute (a build under this load
	// takes about 1.5 s, and takes every file landed meanwhile).
	landed := len(first)
	every := seconds / 40
	for i := 0; i < len(rest) && time.Now().Add(every).Before(deadline); i++ {
		time.Sleep(every)
		land(rest[i])
		landed++
	}
	var all tally
	all.events = map[int64]bool{}
	for c := 0; c < clients; c++ {
		r := <-results
		all.reads += r.reads
		all.broken += r.broken
		all.errs += r.errs
		all.lookups = append(all.lookups, r.lookups...)
		if all.firstErr == "" {
			all.firstErr = r.firstErr
		}
		for e := range r.events {
			all.events[e] = true
		}
	}
	published := strings.Count(s.log.String(), `"event":"published"`)
	if code := s.stop(t); code != 0 {
		t.Errorf("SIGTERM: exit %d", code)
	}
	slices.Sort(all.lookups)
	pct := func(p float64) time.Duration {
		if len(all.lookups) == 0 {
			return 0
		}
		return all.lookups[min(len(all.lookups)-1, int(p*float64(len(all.lookups))))]
	}
	how := "without pause"
	if pace > 0 {
		how = "a round every " + pace.String()
	}
	t.Logf("%d clients (%s) for %s: %d reads of the invariant (%d states of silver.events seen), %d broken, %d errors; %d files landed, %d builds published; one-row lookup p50 %s, p99 %s, max %s (%d lookups)",
		clients, how, seconds, all.reads, len(all.events), all.broken, all.errs, landed, published, pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), pct(1).Round(10*time.Microsecond), len(all.lookups))
	if all.errs > 0 {
		t.Errorf("%d statements failed; the first: %s", all.errs, all.firstErr)
	}
	if all.broken > 0 {
		t.Errorf("%d reads saw gold.user_features and gold.user_session_analysis of different builds", all.broken)
	}
	// On these 2 cores a build under 32 busy readers takes 3 to 6 s (more
	// when other tests run beside): at least one build every 6 s.
	if want := max(2, int(seconds/(6*time.Second))); published < want || len(all.events) < 2 {
		t.Errorf("%d builds published and %d states of silver.events seen while %d files landed: the readers did not read during builds", published, len(all.events), landed)
	}
}

// serveSnapshot is what TestServeKilled compares: silver, gold and the
// quarantine, by counts and a checksum of their contents (not of the
// folder the files were read from).
const serveSnapshot = `SELECT (SELECT count(*) FROM silver.events) AS events,
       (SELECT coalesce(sum(hash(event_id, session_id, event_timestamp)), 0) FROM silver.events) AS events_hash,
       (SELECT count(*) FROM gold.user_session_analysis) AS sessions,
       (SELECT coalesce(sum(hash(session_id, user_id, session_start_time, total_events, amount, is_conversion)), 0) FROM gold.user_session_analysis) AS sessions_hash,
       (SELECT coalesce(sum(hash(user_id, sessions, transactions_24h)), 0) FROM gold.user_features) AS features_hash,
       (SELECT count(*) FROM silver.quarantine) AS quarantined`

// TestServeKilled: elt serve is killed with SIGKILL in the middle of
// builds, three times, as files land; started again, it catches up and
// answers, and what it publishes equals a fresh full build of the same
// files into another warehouse.
func TestServeKilled(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	gen := filepath.Join(t.TempDir(), "gen")
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "30000", "--users", "300", "--days", "12", "--out", gen)
	bronze := filepath.Join(proj, "data", "bronze")
	var rest []string
	first := map[string]bool{}
	for _, rel := range testutil.Arrivals(t, gen) {
		if src, _, _ := strings.Cut(rel, "/"); !first[src] {
			first[src] = true
			testutil.CopyFile(t, filepath.Join(gen, rel), filepath.Join(bronze, rel))
			continue
		}
		rest = append(rest, rel)
	}
	mustElt(t, "--project", proj, "build")
	land := func(n int) {
		for ; n > 0 && len(rest) > 0; n-- {
			testutil.CopyFile(t, filepath.Join(gen, rest[0]), filepath.Join(bronze, rest[0]))
			rest = rest[1:]
		}
	}
	kills := 0
	for k := 0; k < 3; k++ {
		s := startServe(t, proj)
		land(3)
		s.waitEvent(t, "model_done") // a build runs
		time.Sleep(time.Duration(k*40) * time.Millisecond)
		s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
		s.cmd.Wait()
		kills++
	}
	land(len(rest))
	fresh := filepath.Join(t.TempDir(), "fresh.duckdb")
	mustElt(t, "--project", proj, "--bronze", gen, "--warehouse", fresh, "--output", filepath.Join(t.TempDir(), "out"), "build")
	expected := strings.TrimSpace(mustElt(t, "--project", proj, "--warehouse", fresh, "query", "--format", "csv", serveSnapshot))

	s := startServe(t, proj)
	conn := s.connect(t, "")
	var got string
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		rows, err := conn.Query(context.Background(), serveSnapshot, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			t.Fatalf("elt serve, restarted, does not answer: %v", err)
		}
		var vals []string
		for rows.Next() {
			for _, v := range rows.RawValues() {
				vals = append(vals, string(v))
			}
		}
		rows.Close()
		got = "events,events_hash,sessions,sessions_hash,features_hash,quarantined\n" + strings.Join(vals, ",")
		if got == expected {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if got != expected {
		t.Fatalf("after %d kills and a restart, elt serve publishes\n%s\nwant (a fresh full build)\n%s\n%s", kills, got, expected, s.log.String())
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("SIGTERM: exit %d", code)
	}
	t.Logf("%d kills mid-build; after the restart elt serve published what a fresh full build gives:\n%s", kills, got)
}
