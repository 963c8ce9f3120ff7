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
	want := strings.TrimSpace(mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT count(*) AS n, sum(total_amount) AS amount FROM gold.user_session_analysis"))
	s := startServe(t, proj)
	ctx := context.Background()

	t.Run("elt query from another process", func(t *testing.T) {
		got := strings.TrimSpace(mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT count(*) AS n, sum(total_amount) AS amount FROM gold.user_session_analysis"))
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
		got := psql("-A", "-F", ",", "-c", "SELECT count(*) AS n, sum(total_amount) AS amount FROM gold.user_session_analysis")
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
    row = conn.execute("SELECT session_id, session_start_time, total_amount, is_conversion, session_duration_seconds, CAST(session_start_time AS DATE) AS day, 1::BIGINT AS one FROM gold.user_session_analysis WHERE total_amount IS NOT NULL LIMIT 1").fetchone()
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

	t.Run("metrics and health", func(t *testing.T) {
		for path, want := range map[string]string{"/metrics": "elt_serve_connections", "/healthz": `"status":"ok"`} {
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
