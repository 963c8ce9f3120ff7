package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// killAt runs `elt build` (args, with build added unless they have it) in a child process and kills it with SIGKILL as
// soon as it prints a line starting with marker. It reports whether the
// marker was seen before the child ended on its own.
func killAt(t *testing.T, marker string, args ...string) bool {
	return killAfter(t, marker, 0, args...)
}

// killAfter is killAt, waiting delay after the marker before the kill.
func killAfter(t *testing.T, marker string, delay time.Duration, args ...string) bool {
	t.Helper()
	if !slices.Contains(args, "build") {
		args = append(args, "build")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ELT_TEST_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.HasPrefix(strings.TrimSpace(sc.Text()), marker) {
			time.Sleep(delay)
			cmd.Process.Signal(syscall.SIGKILL)
			seen = true
			break
		}
	}
	cmd.Wait()
	return seen
}

// TestKilledBuildsLeaveNoTrace kills builds at three points (ingesting,
// building silver, just before commit); after each the warehouse answers as
// before that build. A final build then gives exactly what an uninterrupted
// build over the same files gives, with every file ingested once.
func TestKilledBuildsLeaveNoTrace(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	base := []string{"--project", proj}
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "40000", "--users", "300", "--days", "3")...)
	mustElt(t, append(base, "build")...)
	snapshot := func() string {
		return mustElt(t, append(base, "query", "--format", "csv", `SELECT
			(SELECT count(*) FROM elt.files), (SELECT count(*) FROM bronze.events), (SELECT count(*) FROM silver.events),
			(SELECT count(*) FROM silver.quarantine), (SELECT count(*) FROM gold.user_session_analysis),
			(SELECT sum(amount) FROM gold.user_session_analysis), (SELECT max(last_run_id) FROM elt.model_state)`)...)
	}
	before := snapshot()
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "20000", "--users", "1", "--days", "3", "--seed", "5", "--batch", "late")...)

	ref := []string{"--project", proj, "--warehouse", filepath.Join(t.TempDir(), "ref.duckdb")}
	mustElt(t, append(ref, "build")...)
	wantGold, wantQuarantine, wantCounts := results(t, ref)

	for _, marker := range []string{"ingest  events", "2/6", "6/6"} {
		if !killAt(t, marker, base...) {
			t.Fatalf("the build ended before printing %q", marker)
		}
		if got := snapshot(); got != before {
			t.Fatalf("killed at %q, the warehouse changed:\nbefore %s\nafter  %s", marker, before, got)
		}
	}
	mustElt(t, append(base, "build")...)
	// The killed builds' runs are not left "running" forever.
	runs := mustElt(t, append(base, "query", "--format", "csv", "SELECT status, count(*) AS n FROM elt.runs GROUP BY status ORDER BY status")...)
	if runs != "status,n\ninterrupted,3\nsuccess,2\n" {
		t.Fatalf("run history after three kills:\n%s", runs)
	}
	gold, quarantine, counts := results(t, base)
	if gold != wantGold || quarantine != wantQuarantine {
		t.Fatalf("after the kills, gold or quarantine differ from an uninterrupted build:\n%s%s", testutil.Diff("uninterrupted gold", wantGold, "after the kills", gold), testutil.Diff("uninterrupted quarantine", wantQuarantine, "after the kills", quarantine))
	}
	if fmtCounts(counts) != fmtCounts(wantCounts) {
		t.Fatalf("counts: got %v want %v", counts, wantCounts)
	}
	files := mustElt(t, append(base, "query", "--format", "csv", "SELECT count(*) AS n, count(DISTINCT file) AS d FROM elt.files")...)
	onDisk := len(testutil.Arrivals(t, filepath.Join(proj, "data", "bronze")))
	if want := "n,d\n" + strconv.Itoa(onDisk) + "," + strconv.Itoa(onDisk) + "\n"; files != want {
		t.Fatalf("manifest %q, want %q: a file was ingested twice or skipped", files, want)
	}
}

// TestKilledWhileStaged kills a full refresh once it has staged its
// sources and a model: their staging tables are there, unseen by the
// warehouse's tables (which read as before), and the next build drops them
// and gives what an uninterrupted build gives.
func TestKilledWhileStaged(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	base := []string{"--project", proj}
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "40000", "--users", "300", "--days", "3")...)
	mustElt(t, append(base, "build")...)
	wantGold, wantQuarantine, wantCounts := results(t, base)
	snapshot := func() string {
		return mustElt(t, append(base, "query", "--format", "csv", `SELECT
			(SELECT count(*) FROM elt.files), (SELECT count(*) FROM bronze.events), (SELECT count(*) FROM silver.events),
			(SELECT count(*) FROM silver.quarantine), (SELECT sum(amount) FROM gold.user_session_analysis), (SELECT max(last_run_id) FROM elt.model_state)`)...)
	}
	staged := func() string {
		return mustElt(t, append(base, "query", "--format", "csv", `SELECT schema_name || '.' || table_name AS t FROM duckdb_tables()
			WHERE starts_with(table_name, '_elt_staging_') ORDER BY t`)...)
	}
	before := snapshot()
	if !killAt(t, "2/6", append(base, "build", "--full-refresh")...) {
		t.Fatal("the full refresh ended before printing 2/6")
	}
	if got := snapshot(); got != before {
		t.Fatalf("killed while staging, the warehouse changed:\nbefore %s\nafter  %s", before, got)
	}
	left := staged()
	for _, want := range []string{"bronze._elt_staging_events", "silver._elt_staging_events"} {
		if !strings.Contains(left, want) {
			t.Fatalf("killed after 2/6 of a full refresh, staging tables %q, want %s among them", left, want)
		}
	}
	mustElt(t, append(base, "build")...)
	if got := staged(); got != "t\n" {
		t.Fatalf("staging tables after the next build: %q", got)
	}
	gold, quarantine, counts := results(t, base)
	if gold != wantGold || quarantine != wantQuarantine || fmtCounts(counts) != fmtCounts(wantCounts) {
		t.Fatalf("after the kill and a build, the warehouse differs:\n%s%s", testutil.Diff("before", wantGold, "after", gold), testutil.Diff("before", fmtCounts(wantCounts), "after", fmtCounts(counts)))
	}
	t.Logf("killed at 2/6 of a full refresh: left %s", strings.ReplaceAll(strings.TrimPrefix(left, "t\n"), "\n", " "))
}

func fmtCounts(c testutil.Counts) string {
	var b strings.Builder
	for _, s := range []string{"events", "transactions", "users"} {
		b.WriteString(s)
		for _, k := range []string{"read", "silver", "superseded", "quarantined"} {
			b.WriteString(" " + strconv.Itoa(int(c[s][k])))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// killAfterStart runs elt with args in a child process and kills it with
// SIGKILL delay after it started. It reports whether the child was still
// running when the kill came; a child that ended first must have exited 0.
func killAfterStart(t *testing.T, delay time.Duration, args ...string) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ELT_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
	case <-timer.C:
		cmd.Process.Signal(syscall.SIGKILL)
		err = <-done
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true
	}
	if err != nil {
		t.Fatalf("elt %s (to be killed after %v) failed on its own: %v\n%s", strings.Join(args, " "), delay, err, stderr.String())
	}
	return false
}

// timeElt runs elt with args in a child process to its end, failing the
// test unless it exits 0, and returns the child's wall clock.
func timeElt(t *testing.T, args ...string) time.Duration {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ELT_TEST_MAIN=1")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		t.Fatalf("elt %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return d
}

// publishedRuns is the SQL of the runs whose data was published: those that
// succeeded, and those killed after their commit (the next writer marks
// them interrupted, saying so).
const publishedRuns = `SELECT run_id FROM elt.runs WHERE status = 'success'
	OR (status = 'interrupted' AND error LIKE 'the process ended after the build committed%')`

// readWarehouse opens the warehouse at path read-only, one not made yet as an
// empty warehouse in memory, and gives it to f.
func readWarehouse(t *testing.T, path string, f func(read func(q string, args ...any) []string)) {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		path = ""
	}
	ctx := context.Background()
	db, err := warehouse.Open(ctx, path, warehouse.Options{ReadOnly: path != ""})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	// read runs q and gives its rows, their columns cast to text and
	// joined by " | ".
	f(func(q string, args ...any) []string {
		t.Helper()
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, q, err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %s: %v", path, q, err)
			}
			line := make([]string, len(vals))
			for i, v := range vals {
				line[i] = v.String
			}
			out = append(out, strings.Join(line, " | "))
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %s: %v", path, q, err)
		}
		return out
	})
}

// warehouseSnapshot is what a reader of a warehouse sees, as text: every
// table and view outside elt's own schema (but a build's staging tables,
// which a killed build may leave) with its rows and a hash of them, the sum
// of gold's amounts, and the tool's own tables a build writes in its
// transaction (the manifest, the quarantine, the models' state, the online
// keys pending) with their run ids. A warehouse not made yet, or made with
// nothing built, reads as no tables and empty state.
func warehouseSnapshot(read func(q string, args ...any) []string) string {
	own := map[string]bool{}
	for _, name := range read(`SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = current_database()`) {
		own[name] = true
	}
	var b strings.Builder
	for _, name := range read(`SELECT schema_name || '.' || table_name FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name <> 'elt' AND table_name NOT LIKE '\_elt\_staging\_%' ESCAPE '\'
		AND NOT (schema_name = 'silver' AND table_name = 'quarantine')
		UNION ALL SELECT schema_name || '.' || view_name FROM duckdb_views()
		WHERE database_name = current_database() AND NOT internal AND schema_name <> 'elt' AND view_name NOT LIKE '\_elt\_staging\_%' ESCAPE '\'
		ORDER BY 1`) {
		fmt.Fprintf(&b, "%s: %s\n", name, read(`SELECT count(*) || ' rows, hash ' || coalesce(sum(hash(t)), 0) FROM ` + name + ` AS t`)[0])
	}
	if own["gold.user_session_analysis"] {
		fmt.Fprintf(&b, "gold.user_session_analysis: sum(amount) %s\n", read(`SELECT sum(amount)::VARCHAR FROM gold.user_session_analysis`)[0])
	}
	for _, s := range []struct{ table, query string }{
		{"elt.files", `SELECT count(*) || ' files, ' || count(DISTINCT file) || ' distinct, ' || coalesce(sum(records), 0) || ' records, runs ' ||
			coalesce(string_agg(DISTINCT run_id::VARCHAR, ' ' ORDER BY run_id::VARCHAR), '') || ', hash ' ||
			coalesce(sum(hash(source, file, *COLUMNS('^(sha256|fingerprint)$'), records, run_id)), 0) FROM elt.files`}, // sha256 before migration 0011: a first build killed before it ran
		{"silver.quarantine", `SELECT count(*) || ' rows, runs ' || coalesce(string_agg(DISTINCT run_id::VARCHAR, ' ' ORDER BY run_id::VARCHAR), '') ||
			', hash ' || coalesce(sum(hash(source, file, line, reason, run_id)), 0) FROM silver.quarantine`},
		{"elt.model_state", `SELECT count(*) || ' models: ' || coalesce(string_agg(model || ' ' || last_run_id || '/' || full_run_id || ' ' || fingerprint, ', ' ORDER BY model), '') FROM elt.model_state`},
		{"elt.online_pending", `SELECT count(*) || ' keys, hash ' || coalesce(sum(hash(model, key)), 0) FROM elt.online_pending`},
	} {
		got := "0 (none)"
		if own[s.table] {
			got = read(s.query)[0]
		}
		if strings.HasPrefix(got, "0 ") {
			got = "0 (none)" // an empty table reads as one not made yet
		}
		fmt.Fprintf(&b, "%s: %s\n", s.table, got)
	}
	return b.String()
}

// runsAfter reads a warehouse's run history: the greatest run id (0 when
// there is none) and, in order, "id | status | error" of each run whose id
// is greater than after.
func runsAfter(read func(q string, args ...any) []string, after int64) (last int64, runs []string) {
	if len(read(`SELECT 1 FROM duckdb_tables() WHERE schema_name = 'elt' AND table_name = 'runs'`)) == 0 {
		return 0, nil
	}
	for _, r := range read(`SELECT run_id, status, error FROM elt.runs ORDER BY run_id`) {
		id, _ := strconv.ParseInt(strings.SplitN(r, " | ", 2)[0], 10, 64)
		last = max(last, id)
		if id > after {
			runs = append(runs, r)
		}
	}
	return last, runs
}

// copyWarehouse copies the warehouse file at from (and its WAL, if any)
// to to, replacing what is there.
func copyWarehouse(t *testing.T, from, to string) {
	t.Helper()
	for _, ext := range []string{"", ".wal"} {
		os.Remove(to + ext)
		if _, err := os.Stat(from + ext); err == nil {
			testutil.CopyFile(t, from+ext, to+ext)
		}
	}
}

// TestKilledAtRandomMoments kills `elt build` with SIGKILL at 30 random
// moments: 15 of full builds (a first build into a new warehouse, or
// --full-refresh of a built one, in turn) and 15 of incremental builds
// over a new batch of late files. Each moment is uniform over the wall
// clock of the same build run whole on a copy of the warehouse (the
// reference). After each kill the warehouse reads exactly as before the
// build or exactly as the reference after it, never a mix, and its run
// history says which; staging tables a killed build left aside are not
// seen. The next build then converges: gold, quarantine and counts equal
// the reference's, no staging table is left, every manifest, quarantine,
// model state and bronze row belongs to a published run, and the manifest
// holds each file on disk once. The seed is logged; ELT_KILL_SEED=n draws
// the same moments again, as the same shares of each build's wall clock.
// The next build is always a plain `elt build`, so a build that follows a
// killed full build of either kind must clear what it left.
func TestKilledAtRandomMoments(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("ELT_KILL_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("ELT_KILL_SEED=%q: %v", s, err)
		}
	}
	t.Logf("seed %d (ELT_KILL_SEED=%d draws these moments again)", seed, seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))

	tmp := t.TempDir()
	// The repository's models, with the quarantine gate open: a late batch
	// is small, and its few dirty records must not fail its build.
	proj := conformanceProject(t)
	built := filepath.Join(tmp, "warehouse.duckdb")
	ref := filepath.Join(tmp, "ref.duckdb")
	on := func(wh string) []string { return []string{"--project", proj, "--warehouse", wh} }
	// Dirty data (2% of records), so that every build quarantines some.
	mustElt(t, append(on(built), "generate", "--events", "20000", "--users", "300", "--days", "3")...)
	mustElt(t, append(on(built), "build")...)

	type tally struct{ before, after, ended int }
	kinds := map[string]*tally{"first build": {}, "full refresh": {}, "incremental": {}}
	const kills = 30
	leftStaged := 0 // kills that left staged tables to the next build
	for i := range kills {
		kind, wh, extra := "incremental", built, []string(nil)
		switch {
		case i%2 == 1:
			mustElt(t, append(on(built), "generate", "--events", "1000", "--users", "300", "--days", "1",
				"--seed", strconv.Itoa(100+i), "--batch", "late"+strconv.Itoa(i))...)
		case i%4 == 0:
			kind, wh = "first build", filepath.Join(tmp, "first-"+strconv.Itoa(i)+".duckdb")
		default:
			kind, extra = "full refresh", []string{"--full-refresh"}
		}
		var before string
		var lastRun int64
		readWarehouse(t, wh, func(read func(string, ...any) []string) {
			before = warehouseSnapshot(read)
			lastRun, _ = runsAfter(read, 0)
		})

		// The reference: the same build, whole, on a copy.
		copyWarehouse(t, wh, ref)
		took := timeElt(t, append(append(on(ref), "build"), extra...)...)
		var after string
		readWarehouse(t, ref, func(read func(string, ...any) []string) { after = warehouseSnapshot(read) })
		if after == before {
			t.Fatalf("kill %d (%s): the build changes nothing the snapshot sees, so a kill could not be told apart:\n%s", i, kind, after)
		}

		delay := time.Duration(rng.Int64N(int64(took)))
		running := killAfterStart(t, delay, append(append(on(wh), "build"), extra...)...)
		var got string
		var killed, staged []string
		readWarehouse(t, wh, func(read func(string, ...any) []string) {
			got = warehouseSnapshot(read)
			_, killed = runsAfter(read, lastRun)
			staged = read(`SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE table_name LIKE '\_elt\_staging\_%' ESCAPE '\'`)
		})
		if len(staged) > 0 {
			leftStaged++
		}
		published := false
		switch got {
		case before:
		case after:
			published = true
		default:
			t.Fatalf("kill %d (%s) after %v of %v: the warehouse is neither as before the build nor as after it:\n%s%s", i, kind, delay, took,
				testutil.Diff("before", before, "after the kill", got), testutil.Diff("after a whole build", after, "after the kill", got))
		}
		if !running && !published {
			t.Fatalf("kill %d (%s): the build ended on its own with exit 0, yet the warehouse reads as before it", i, kind)
		}
		t.Logf("kill %2d %-12s after %4dms of %4dms: %s", i, kind, delay.Milliseconds(), took.Milliseconds(),
			map[bool]string{false: "before the commit", true: "after the commit"}[published]+map[bool]string{false: " (the build had ended)", true: ""}[running])
		k := kinds[kind]
		switch {
		case !running:
			k.ended++
		case published:
			k.after++
		default:
			k.before++
		}
		// The run history says whether the killed run published: its run
		// (if it began) is still running, or committed (or done).
		killedRun := ""
		switch {
		case len(killed) > 1:
			t.Fatalf("kill %d (%s): runs after the kill: %q, want at most the killed one", i, kind, killed)
		case len(killed) == 1:
			killedRun = killed[0]
			status := strings.Split(killedRun, " | ")[1]
			if published != (status == "committed" || status == "success") {
				t.Fatalf("kill %d (%s): the killed run's history reads %q, yet its data was published: %v", i, kind, killedRun, published)
			}
		case published:
			t.Fatalf("kill %d (%s): the build's data was published with no run in the history", i, kind)
		}

		// The next build, uninterrupted, converges on the reference.
		mustElt(t, append(on(wh), "build")...)
		wantGold, wantQuarantine, wantCounts := results(t, on(ref))
		gold, quarantine, counts := results(t, on(wh))
		if gold != wantGold || quarantine != wantQuarantine {
			t.Fatalf("kill %d (%s): after the next build, gold or quarantine differ from a whole build's:\n%s%s", i, kind,
				testutil.Diff("whole build's gold", wantGold, "gold after the kill", gold),
				testutil.Diff("whole build's quarantine", wantQuarantine, "quarantine after the kill", quarantine))
		}
		if fmtCounts(counts) != fmtCounts(wantCounts) {
			t.Fatalf("kill %d (%s): counts after the next build:\n%s", i, kind, testutil.Diff("whole build", fmtCounts(wantCounts), "after the kill", fmtCounts(counts)))
		}
		readWarehouse(t, wh, func(read func(string, ...any) []string) {
			checkConverged(t, read, filepath.Join(proj, "data", "bronze"), fmt.Sprintf("kill %d (%s)", i, kind), killedRun, published)
		})
		if wh != built {
			os.Remove(wh)
			os.Remove(wh + ".wal")
		}
	}

	// Whatever the kills, the warehouse is what one build over all the files gives.
	fresh := on(filepath.Join(tmp, "fresh.duckdb"))
	mustElt(t, append(fresh, "build")...)
	wantGold, wantQuarantine, wantCounts := results(t, fresh)
	gold, quarantine, counts := results(t, on(built))
	if gold != wantGold || quarantine != wantQuarantine || fmtCounts(counts) != fmtCounts(wantCounts) {
		t.Fatalf("after all the kills, the warehouse differs from one build over the same files:\n%s%s%s",
			testutil.Diff("one build's gold", wantGold, "after the kills", gold),
			testutil.Diff("one build's quarantine", wantQuarantine, "after the kills", quarantine),
			testutil.Diff("one build's counts", fmtCounts(wantCounts), "after the kills", fmtCounts(counts)))
	}
	var sum tally
	for _, kind := range []string{"first build", "full refresh", "incremental"} {
		k := kinds[kind]
		t.Logf("%-12s killed before the commit %2d, after it %2d, ended before the kill %d", kind, k.before, k.after, k.ended)
		sum.before, sum.after, sum.ended = sum.before+k.before, sum.after+k.after, sum.ended+k.ended
	}
	t.Logf("%-12s killed before the commit %2d, after it %2d, ended before the kill %d (seed %d)", "all", sum.before, sum.after, sum.ended, seed)
	// TestKilledWhileStaged kills a build in that window on purpose.
	t.Logf("%d kills left staged tables to the next build", leftStaged)
}

// checkConverged checks a warehouse built after a kill: no staging table
// left in any schema, no run left running, every row of the manifest, the
// quarantine, the models' state and bronze from a published run, the
// manifest holding each file under bronze exactly once, and the killed run
// (killed, when it began) published only if its data was.
func checkConverged(t *testing.T, read func(q string, args ...any) []string, bronze, what, killed string, published bool) {
	t.Helper()
	if got := read(`SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE table_name LIKE '\_elt\_staging\_%' ESCAPE '\'
		UNION ALL SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE view_name LIKE '\_elt\_staging\_%' ESCAPE '\'
		ORDER BY 1`); len(got) > 0 {
		t.Fatalf("%s: staging tables left after the next build: %q", what, got)
	}
	if got := read(`SELECT run_id, status FROM elt.runs WHERE status IN ('running', 'committed') ORDER BY run_id`); len(got) > 0 {
		t.Fatalf("%s: runs not finished after the next build: %q", what, got)
	}
	pub := "(" + publishedRuns + ")"
	orphans := read(`SELECT t || ' ' || n FROM (
		SELECT 1 AS o, 'elt.files' AS t, count(*) AS n FROM elt.files WHERE run_id NOT IN ` + pub + `
		UNION ALL SELECT 2, 'silver.quarantine', count(*) FROM silver.quarantine WHERE run_id NOT IN ` + pub + `
		UNION ALL SELECT 3, 'elt.model_state', count(*) FROM elt.model_state WHERE last_run_id NOT IN ` + pub + ` OR full_run_id NOT IN ` + pub + `
		UNION ALL SELECT 4, 'bronze.events', count(*) FROM bronze.events WHERE _run_id NOT IN ` + pub + `
		UNION ALL SELECT 5, 'bronze.transactions', count(*) FROM bronze.transactions WHERE _run_id NOT IN ` + pub + `
		UNION ALL SELECT 6, 'bronze.users', count(*) FROM bronze.users WHERE _run_id NOT IN ` + pub + `
		) ORDER BY o`)
	if want := []string{"elt.files 0", "silver.quarantine 0", "elt.model_state 0", "bronze.events 0", "bronze.transactions 0", "bronze.users 0"}; !slices.Equal(orphans, want) {
		t.Fatalf("%s: rows of runs that did not publish: %q\nruns:\n%s", what, orphans, strings.Join(read(`SELECT run_id, status, error FROM elt.runs ORDER BY run_id`), "\n"))
	}
	manifest := strings.Join(read(`SELECT file FROM elt.files ORDER BY file`), "\n")
	if onDisk := strings.Join(testutil.Arrivals(t, bronze), "\n"); manifest != onDisk {
		t.Fatalf("%s: the manifest does not hold each file on disk once:\n%s", what, testutil.Diff("files on disk", onDisk, "elt.files", manifest))
	}
	if killed == "" {
		return
	}
	id, _, _ := strings.Cut(killed, " | ")
	got := read(`SELECT run_id, status, error FROM elt.runs WHERE run_id = ?::BIGINT`, id)
	if len(got) != 1 || published != (strings.HasPrefix(got[0], id+" | success | ") || strings.HasPrefix(got[0], id+" | interrupted | the process ended after the build committed")) {
		t.Fatalf("%s: the killed run's history reads %q after the next build, yet its data was published: %v", what, got, published)
	}
}
