package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/testutil"
)

const typesQuery = `SELECT 1::INTEGER AS n, 'a,"b"' AS s, NULL::VARCHAR AS nothing, true AS ok,
	TIMESTAMP '2026-11-02 18:45:39.054490' AS ts, TIMESTAMP '2026-11-02 18:45:39' AS ts0,
	DATE '2026-11-02' AS d, 1531.00::DECIMAL(10,2) AS amount, [1, 2] AS list, {'k': 'v'} AS st
	UNION ALL SELECT 22, 'x|y', 'z', false, NULL, NULL, NULL, -0.5, NULL, NULL ORDER BY n`

// TestQueryFormats checks every format on one result of many types.
func TestQueryFormats(t *testing.T) {
	proj := minimalProject(t, t.TempDir())
	mustElt(t, "--project", proj, "build")
	want := map[string]string{
		"csv": `n,s,nothing,ok,ts,ts0,d,amount,list,st
1,"a,""b""",,true,2026-11-02 18:45:39.054490,2026-11-02 18:45:39,2026-11-02,1531.00,"[1,2]","{""k"":""v""}"
22,x|y,z,false,,,,-0.50,,
`,
		"json": `[
  {"n": 1, "s": "a,\"b\"", "nothing": null, "ok": true, "ts": "2026-11-02 18:45:39.054490", "ts0": "2026-11-02 18:45:39", "d": "2026-11-02", "amount": 1531.00, "list": [1,2], "st": {"k":"v"}},
  {"n": 22, "s": "x|y", "nothing": "z", "ok": false, "ts": null, "ts0": null, "d": null, "amount": -0.50, "list": null, "st": null}
]
`,
		"markdown": `| n | s | nothing | ok | ts | ts0 | d | amount | list | st |
| ---: | --- | --- | --- | --- | --- | --- | ---: | --- | --- |
| 1 | a,"b" |  | true | 2026-11-02 18:45:39.054490 | 2026-11-02 18:45:39 | 2026-11-02 | 1531.00 | [1,2] | {"k":"v"} |
| 22 | x\|y | z | false |  |  |  | -0.50 |  |  |
`,
		"table": `┌────┬───────┬─────────┬───────┬────────────────────────────┬─────────────────────┬────────────┬─────────┬───────┬───────────┐
│ n  │ s     │ nothing │ ok    │ ts                         │ ts0                 │ d          │ amount  │ list  │ st        │
├────┼───────┼─────────┼───────┼────────────────────────────┼─────────────────────┼────────────┼─────────┼───────┼───────────┤
│  1 │ a,"b" │ NULL    │ true  │ 2026-11-02 18:45:39.054490 │ 2026-11-02 18:45:39 │ 2026-11-02 │ 1531.00 │ [1,2] │ {"k":"v"} │
│ 22 │ x|y   │ z       │ false │ NULL                       │ NULL                │ NULL       │   -0.50 │ NULL  │ NULL      │
└────┴───────┴─────────┴───────┴────────────────────────────┴─────────────────────┴────────────┴─────────┴───────┴───────────┘
2 rows
`,
	}
	for format, w := range want {
		got := mustElt(t, "--project", proj, "query", "--format", format, typesQuery)
		if got != w {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", format, got, w)
		}
	}
	// From a file and from stdin, with an error placed at its line.
	f := filepath.Join(proj, "q.sql")
	testutil.WriteFile(t, f, "SELECT 1 AS a,\n  nope\n")
	code, _, errs := elt(t, "--project", proj, "query", "-f", f)
	if code != 1 || !strings.Contains(errs, f+":2:3: Binder Error") {
		t.Errorf("query -f error: exit %d\n%s", code, errs)
	}
	if code, _, errs := elt(t, "--project", proj, "query", "--format", "xml", "SELECT 1"); code != ExitUsage || !strings.Contains(errs, "--format must be one of") {
		t.Errorf("bad format: exit %d %s", code, errs)
	}
}

// TestQueryWhileBuildHoldsWarehouse: another process holds the warehouse
// for writing; elt query says so in plain words.
func TestQueryWhileBuildHoldsWarehouse(t *testing.T) {
	proj := minimalProject(t, t.TempDir())
	mustElt(t, "--project", proj, "build")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ELT_TEST_HOLD="+filepath.Join(proj, "data", "warehouse.duckdb"))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("holder: %q", line)
	}
	code, _, errs := elt(t, "--project", proj, "query", "SELECT * FROM gold.one")
	want := fmt.Sprintf("is open for writing by process %d", cmd.Process.Pid)
	if code != 1 || !strings.Contains(errs, want) || !strings.Contains(errs, "Wait for that build to finish") {
		t.Fatalf("exit %d, stderr:\n%s\nwant it to contain %q", code, errs, want)
	}
	// A build meets the same words rather than DuckDB's raw lock error.
	if code, _, errs := elt(t, "--project", proj, "build"); code != 1 || !strings.Contains(errs, want) {
		t.Fatalf("build: exit %d, stderr:\n%s", code, errs)
	}
}

// TestPathWithSpaceAndQuote runs the pipeline in a project folder whose
// path holds a space and a single quote, for bronze, warehouse and output.
func TestPathWithSpaceAndQuote(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "it's a project")
	proj := copyProject(t, repoRoot(t), dir)
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "2000", "--users", "50", "--days", "2")
	out := mustElt(t, "--project", proj, "build")
	if !strings.Contains(out, "gold.user_session_analysis") {
		t.Fatalf("build output:\n%s", out)
	}
	got := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT count(*) > 0 AS ok, (SELECT count(DISTINCT file) FROM elt.files WHERE file LIKE 'events/%') AS files FROM gold.user_session_analysis")
	if got != "ok,files\ntrue,4\n" {
		t.Fatalf("query: %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "warehouse.duckdb")); err != nil {
		t.Fatal(err)
	}
}

// TestCancelledBuildPublishesNothing cancels a build part-way: exit code
// 130, and the warehouse answers as before the build.
func TestCancelledBuildPublishesNothing(t *testing.T) {
	dir := t.TempDir()
	proj := copyProject(t, repoRoot(t), dir)
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "3000", "--users", "50", "--days", "2")
	mustElt(t, "--project", proj, "build")
	before := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT (SELECT count(*) FROM gold.user_session_analysis), (SELECT count(*) FROM elt.files)")
	more := filepath.Join(t.TempDir(), "more")
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "200000", "--users", "50", "--days", "3", "--seed", "9", "--out", more)
	if err := os.Rename(filepath.Join(more, "events"), filepath.Join(proj, "data", "bronze", "events", "zz-more")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(300 * time.Millisecond); cancel() }()
	var out, errb strings.Builder
	code := Run(ctx, []string{"elt", "--project", proj, "build"}, strings.NewReader(""), &out, &errb)
	if code != ExitCancelled || !strings.Contains(errb.String(), "nothing was published") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	after := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT (SELECT count(*) FROM gold.user_session_analysis), (SELECT count(*) FROM elt.files)")
	if before != after {
		t.Fatalf("state changed: before %q after %q", before, after)
	}
	runs := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT status FROM elt.runs ORDER BY run_id")
	if runs != "status\nsuccess\ncancelled\n" {
		t.Fatalf("run history: %q", runs)
	}
}
