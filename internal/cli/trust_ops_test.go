package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/digitalservices/elt/internal/testutil"
)

const opsPeopleYAML = `version: 1
sources:
  people:
    format: csv
    key: user_id
    fields:
      - {name: user_id, type: id, required: true}
      - {name: score, type: integer}
`

// opsOnlineProject is a project with one CSV source and an online model
// whose key column is spelled key while its unique_key says user_id.
func opsOnlineProject(t *testing.T, key string) string {
	t.Helper()
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), opsPeopleYAML)
	testutil.WriteFile(t, filepath.Join(dir, "models", "silver", "people.sql"), `/*
materialized: incremental
unique_key: user_id
order_by: _file DESC, _line DESC
online:
  key_prefix: "u:"
*/
SELECT user_id AS `+key+`, score, _file, _line FROM bronze.people
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY _file DESC, _line DESC) = 1
`)
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "people", "p1.csv"), "user_id,score\na,1\nb,2\n")
	return dir
}

// redisClient is a client of the real Redis at url, closed when the test ends.
func redisClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestOnlineKeyColumnCase: unique_key: user_id on a column spelled User_Id
// writes every row to Redis (it wrote none and deleted every key as gone);
// a unique_key that names no column is an error at the header's line.
func TestOnlineKeyColumnCase(t *testing.T) {
	url := testutil.StartRedis(t)
	rc := redisClient(t, url)
	ctx := context.Background()
	proj := opsOnlineProject(t, "User_Id")
	mustElt(t, "--project", proj, "--redis-url", url, "build")
	if got := rc.HGet(ctx, "u:b", "score").Val(); got != "2" {
		t.Fatalf("u:b score %q, want 2; keys %v", got, rc.Keys(ctx, "u:*").Val())
	}

	bad := opsOnlineProject(t, "uid")
	code, _, errs := elt(t, "--project", bad, "--redis-url", url, "build")
	// Found before anything runs, at the header's unique_key.
	if code != 1 || !strings.Contains(errs, "people.sql:3:13: unique_key (the key of online:) user_id is not a column the model returns") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

// TestOnlineRedisRestartedEmpty: after Redis loses everything, the next
// build with nothing new brings it level and says so (it wrote only changed
// keys, so Redis stayed empty until a --full-refresh).
func TestOnlineRedisRestartedEmpty(t *testing.T) {
	url := testutil.StartRedis(t)
	rc := redisClient(t, url)
	ctx := context.Background()
	proj := opsOnlineProject(t, "user_id")
	mustElt(t, "--project", proj, "--redis-url", url, "build")
	if err := rc.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	out := mustElt(t, "--project", proj, "--redis-url", url, "build")
	if !strings.Contains(out, "Redis did not hold the keys of silver.people") {
		t.Fatalf("build after FLUSHALL:\n%s", out)
	}
	if got := rc.Keys(ctx, "u:*").Val(); len(got) != 2 {
		t.Fatalf("redis holds %v, want u:a and u:b", got)
	}
	// Level: the next build neither resends nor warns.
	if out := mustElt(t, "--project", proj, "--redis-url", url, "build"); strings.Contains(out, "Redis did not hold") {
		t.Fatalf("a level Redis was resent:\n%s", out)
	}
}

// TestRedisPasswordRedacted: a Redis password, from --redis-url or
// elt.yaml, is kept in neither elt.runs nor any warning, error or trace
// line (it was stored in elt.runs.args and printed in a warning).
func TestRedisPasswordRedacted(t *testing.T) {
	down := "127.0.0.1:" + itoa(testutil.FreePort(t))
	for _, tc := range []struct{ name, url string }{
		{"bad database", "redis://:hunter2@" + down + "/x"},
		{"unreachable", "redis://default:hunter2@" + down + "/0"},
		{"a slash in the password", "redis://:hunter2/PW@" + down + "/0"},
		{"a space and a quote in the password", `redis://:hunter2 "PW@` + down + "/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proj := opsOnlineProject(t, "user_id")
			_, out, errs := elt(t, "--project", proj, "--redis-url", tc.url, "--trace", "build")
			// The same URL from elt.yaml.
			testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), opsPeopleYAML+"online:\n  redis_url: "+tc.url+"\n")
			_, out2, errs2 := elt(t, "--project", proj, "--trace", "build", "--full-refresh")
			runs := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT args, error FROM elt.runs")
			all := out + errs + out2 + errs2 + runs
			if strings.Contains(all, "hunter2") {
				t.Fatalf("the password shows:\n%s", all)
			}
			if !strings.Contains(runs, "--redis-url redis://") || !strings.Contains(runs, ":***@") || !strings.Contains(out, "Redis was not updated") || !strings.Contains(out2, "Redis was not updated") {
				t.Fatalf("runs:\n%s\nfirst build:\n%s\nsecond build:\n%s", runs, out, out2)
			}
		})
	}
}

// TestWatchEmptyThenFilled: a file created empty and filled a moment later
// is ingested whole, once (it was ingested as "1 file, 0 records", and every
// later build then failed on it as changed); a file that changes after it
// was ingested is held back, said once, and blocks no later file; an
// ingested file gone from bronze is warned of, as elt build does.
func TestWatchEmptyThenFilled(t *testing.T) {
	proj := opsOnlineProject(t, "user_id")
	people := filepath.Join(proj, "data", "bronze", "people")
	mustElt(t, "--project", proj, "build")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"elt", "--project", proj, "watch", "--interval", "100ms"}, strings.NewReader(""), &out, &out)
	}()
	waitFor := func(what string, ok func(string) bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if ok(out.String()) {
				return
			}
		}
		t.Fatalf("timed out waiting for %s; watch printed:\n%s", what, out.String())
	}
	has := func(s string) func(string) bool { return func(o string) bool { return strings.Contains(o, s) } }
	waitFor("the first build", has("0 files, 0 records"))

	// Created empty; filled after many polls.
	p2 := filepath.Join(people, "p2.csv")
	testutil.WriteFile(t, p2, "")
	time.Sleep(time.Second)
	if o := out.String(); strings.Contains(o, "1 file,") {
		t.Fatalf("an empty file was ingested:\n%s", o)
	}
	if n := strings.Count(out.String(), "note: people/p2.csv is empty; watch takes it once it has content"); n != 1 {
		t.Fatalf("the empty file was noted %d times:\n%s", n, out.String())
	}
	testutil.WriteFile(t, p2, "user_id,score\nc,3\n")
	waitFor("the filled file", has("1 file, 1 records"))

	// Gone from bronze: said, as elt build says it.
	if err := os.Remove(filepath.Join(people, "p1.csv")); err != nil {
		t.Fatal(err)
	}
	renameIn := func(name, text string) {
		tmp := filepath.Join(proj, "data", name+".part")
		testutil.WriteFile(t, tmp, text)
		if err := os.Rename(tmp, filepath.Join(people, name)); err != nil {
			t.Fatal(err)
		}
	}
	renameIn("p3.csv", "user_id,score\nd,4\n")
	waitFor("the gone file's warning", has("people: 1 ingested file gone from bronze; its records stay in silver and gold:\n    people/p1.csv"))

	// Changed after it was ingested: held back; the next file still lands.
	testutil.WriteFile(t, p2, "user_id,score\nc,3\ne,5\n")
	renameIn("p4.csv", "user_id,score\nf,6\n")
	waitFor("the changed file's warning", has("bronze file people/p2.csv changed after it was ingested"))
	waitFor("the file after it", func(o string) bool { return strings.Count(o, "1 file, 1 records") >= 3 })
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("watch did not stop")
	}
	if strings.Contains(out.String(), "people/p2.csv\n") {
		t.Fatalf("a held file was called gone from bronze:\n%s", out.String())
	}
	if n := strings.Count(out.String(), "changed after it was ingested"); n != 1 {
		t.Fatalf("the changed file was reported %d times:\n%s", n, out.String())
	}
	got := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT string_agg(user_id, '' ORDER BY user_id) AS ids FROM silver.people")
	if got != "ids\nabcdf\n" {
		t.Fatalf("silver.people: %q\nwatch printed:\n%s", got, out.String())
	}
}

// TestOutputInBronzeSource: --output data/bronze/transactions is refused
// before anything runs, exit 2, naming both folders (the next build
// ingested the tool's own exports); nothing is exported there.
func TestOutputInBronzeSource(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "300", "--users", "10", "--days", "1")
	tx := filepath.Join(proj, "data", "bronze", "transactions")
	before, _ := os.ReadDir(tx)
	code, _, errs := elt(t, "--project", proj, "--output", "data/bronze/transactions", "build")
	if code != ExitUsage || !strings.Contains(errs, "--output data/bronze/transactions: the exports folder "+tx+" is the folder of bronze source transactions ("+tx+")") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if after, _ := os.ReadDir(tx); len(after) != len(before) {
		t.Fatalf("%s changed: %d entries, was %d", tx, len(after), len(before))
	}
	if _, err := os.Stat(filepath.Join(proj, "data", "warehouse.duckdb")); err == nil {
		t.Fatal("the build ran")
	}
}

// TestKilledAfterCommit: a build killed just after its commit is recorded
// as published, with its models, and the next build finishes its exports
// (elt.runs said "interrupted, nothing of it was published" while its rows
// were in bronze).
func TestKilledAfterCommit(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	base := []string{"--project", proj}
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "20000", "--users", "200", "--days", "2")...)
	mustElt(t, append(base, "build")...)
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "20000", "--users", "5", "--days", "2", "--seed", "7", "--batch", "late")...)
	if !killAt(t, "published run 2", base...) {
		t.Fatal("the build ended before it committed")
	}
	q := func(sql string) string { return mustElt(t, append(base, "query", "--format", "csv", sql)...) }
	if got := q("SELECT status FROM elt.runs WHERE run_id = 2"); got != "status\ncommitted\n" {
		t.Fatalf("run 2 after a kill past its commit: %q", got)
	}
	if got := q("SELECT count(*) > 0 AS ok FROM bronze.events WHERE _run_id = 2"); got != "ok\ntrue\n" {
		t.Fatalf("run 2's rows are not in bronze: %q", got)
	}
	mustElt(t, append(base, "build")...)
	got := q("SELECT status, error, (SELECT count(*) FROM elt.model_runs WHERE run_id = 2) AS models FROM elt.runs WHERE run_id = 2")
	if !strings.HasPrefix(got, "status,error,models\ninterrupted,") || !strings.Contains(got, "after the build committed") ||
		!strings.Contains(got, "its data is published") || strings.Contains(got, "nothing of it was published") || !strings.HasSuffix(got, ",6\n") {
		t.Fatalf("run 2 after the next build:\n%s", got)
	}
	// Killed before the commit: still nothing published.
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "2000", "--users", "5", "--days", "1", "--seed", "8", "--batch", "later")...)
	if !killAt(t, "6/6", base...) {
		t.Fatal("the build ended before its last model")
	}
	mustElt(t, append(base, "build")...)
	if got := q("SELECT status, error LIKE '%nothing of it was published' AS ok FROM elt.runs WHERE run_id = 4"); got != "status,ok\ninterrupted,true\n" {
		t.Fatalf("run 4 killed before its commit: %q", got)
	}
}

// TestMigrateDownAllThenBuild: after elt migrate down --all the build says
// what happened and what to run, instead of "records were lost"; the full
// refresh it names recovers, and refuses if a file is gone from bronze.
func TestMigrateDownAllThenBuild(t *testing.T) {
	proj := opsOnlineProject(t, "user_id")
	base := []string{"--project", proj}
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "people", "p2.csv"), "user_id,score\nc,3\n")
	mustElt(t, append(base, "build")...)
	mustElt(t, append(base, "migrate", "down", "--all")...)
	code, out, errs := elt(t, append(base, "build")...)
	if code != ExitFailure || strings.Contains(errs, "records were lost") || !strings.Contains(errs, "bronze.people holds 3 records of 2 files that the file manifest (elt.files) does not know") ||
		!strings.Contains(errs, "nothing was lost") || !strings.Contains(errs, "run `elt build --full-refresh`") || strings.Contains(out, "published") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	// A file gone meanwhile: the full refresh refuses to drop its records.
	p1 := filepath.Join(proj, "data", "bronze", "people", "p1.csv")
	if err := os.Rename(p1, p1+".away"); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := elt(t, append(base, "build", "--full-refresh")...); code != ExitFailure || !strings.Contains(errs, "--full-refresh would lose the records of 1 ingested file of people that is gone from bronze:\n    people/p1.csv") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if err := os.Rename(p1+".away", p1); err != nil {
		t.Fatal(err)
	}
	out = mustElt(t, append(base, "build", "--full-refresh")...)
	if !strings.Contains(out, "people                  3          3           0            0  ok") {
		t.Fatalf("full refresh:\n%s", out)
	}
	out = mustElt(t, append(base, "build")...)
	if !strings.Contains(out, "0 new files") {
		t.Fatalf("build after the recovery:\n%s", out)
	}
	if got := mustElt(t, append(base, "query", "--format", "csv", "SELECT count(*) AS n FROM bronze.people")...); got != "n\n3\n" {
		t.Fatalf("bronze.people: %q", got)
	}
}
