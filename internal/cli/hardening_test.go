package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// The regression tests of the hardening issue: each reproduces one way a
// hostile user broke elt, and checks it now holds.

// TestUsageErrorsExit2: a typo in a command, a subcommand, a flag or its
// value, or a stray argument exits 2 with one short message and a pointer
// to --help, never the whole help and never 0.
func TestUsageErrorsExit2(t *testing.T) {
	proj := minimalProject(t, t.TempDir())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"biuld"}, `no command "biuld" (did you mean "build"?)`},
		{[]string{"migrate", "sideways"}, `elt migrate has no subcommand "sideways"`},
		{[]string{"migrate"}, "elt migrate needs a subcommand: up, down, version"},
		{[]string{"build", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"--nope", "build"}, "flag provided but not defined: -nope"},
		{[]string{"query", "--format"}, "flag needs an argument: -format"},
		{[]string{"migrate", "down", "--steps", "x"}, `invalid value "x" for flag -steps`},
		{[]string{"ls", "extra"}, `ls takes no arguments, found "extra"`},
		{[]string{"test", "extra"}, `test takes no arguments, found "extra"`},
		{[]string{"build", "gold"}, "build takes no arguments (did you mean --select gold?)"},
		{[]string{"build", "--accept-missing"}, "--accept-missing goes with --full-refresh"},
		{[]string{"query", "SELECT 1", "SELECT 2"}, "quote the SQL as one argument"},
	} {
		code, out, errs := elt(t, append([]string{"--project", proj}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("elt %s: exit %d, stderr:\n%s\nwant exit 2 and %q", strings.Join(tc.args, " "), code, errs, tc.want)
			continue
		}
		if strings.Count(errs, tc.want) != 1 || !strings.Contains(errs, "--help` for usage") || strings.Contains(out+errs, "USAGE:") {
			t.Errorf("elt %s: want the error once, a pointer to --help and no help text; got stdout %q stderr %q", strings.Join(tc.args, " "), out, errs)
		}
	}
	if code, out, _ := elt(t, "--help"); code != 0 || !strings.Contains(out, "USAGE:") {
		t.Errorf("--help: exit %d", code)
	}
}

// TestQueryWritesNothing: elt query refuses every statement that would
// write, attach, install, load or change a setting, and the warehouse and
// the project folder are byte-identical afterwards; reading files works.
func TestQueryWritesNothing(t *testing.T) {
	proj := pipelineProject(t)
	wh := filepath.Join(proj, "data", "warehouse.duckdb")
	before := testutil.TreeHash(t, proj)
	for _, q := range []string{
		"COPY (SELECT 'oops') TO " + quote(wh) + " (FORMAT csv)",
		"COPY (SELECT 1) TO " + quote(filepath.Join(proj, "new.csv")),
		"COPY gold.user_session_analysis TO " + quote(filepath.Join(proj, "gold.parquet")),
		"EXPORT DATABASE " + quote(filepath.Join(proj, "dump")),
		"ATTACH " + quote(filepath.Join(proj, "other.duckdb")) + " AS other",
		"DETACH warehouse",
		"INSTALL json",
		"LOAD json",
		"SET threads = 1",
		"SET GLOBAL memory_limit = '1GB'",
		"RESET threads",
		"CREATE TABLE main.pwned AS SELECT 42",
		"CREATE TEMP TABLE t AS SELECT 1",
		"CREATE MACRO m() AS 1",
		"DROP TABLE gold.user_session_analysis",
		"INSERT INTO elt.runs SELECT * FROM elt.runs",
		"DELETE FROM silver.quarantine",
		"UPDATE elt.files SET records = 0",
		"ALTER TABLE elt.files ADD COLUMN x INT",
		"CALL checkpoint()",
		"CHECKPOINT",
		"EXPLAIN ANALYZE COPY (SELECT 1) TO " + quote(filepath.Join(proj, "explained.csv")),
		"PRAGMA threads = 1",
		"SELECT 1; COPY (SELECT 1) TO " + quote(filepath.Join(proj, "second.csv")),
	} {
		code, _, errs := elt(t, "--project", proj, "query", q)
		if code != ExitFailure || !(strings.Contains(errs, "elt query is read-only") || strings.Contains(errs, "runs one statement")) {
			t.Errorf("%s: exit %d, stderr:\n%s", q, code, errs)
		}
		if strings.Contains(errs, "Error:") {
			t.Errorf("%s: want a plain refusal, got DuckDB's error:\n%s", q, errs)
		}
	}
	if after := testutil.TreeHash(t, proj); after != before {
		t.Fatal("the project folder changed under elt query")
	}
	// Reading the warehouse is untouched: tables, DESCRIBE, EXPLAIN. Files
	// are not read either: the query's DuckDB has no access to files, so
	// nothing the parser let through could write one.
	code, _, errs := elt(t, "--project", proj, "query", "SELECT count(*) FROM read_parquet("+quote(filepath.Join(proj, "data", "out", "gold", "user_session_analysis", "parquet", "**", "*.parquet"))+")")
	if code != ExitFailure || !strings.Contains(errs, "elt query reads the warehouse only") {
		t.Errorf("reading a file: exit %d\n%s", code, errs)
	}
	for _, q := range []string{"DESCRIBE gold.user_session_analysis", "SHOW TABLES", "EXPLAIN SELECT 1", "SUMMARIZE silver.users", "SELECT * FROM pragma_table_info('silver.users')"} {
		mustElt(t, "--project", proj, "query", q)
	}
}

// TestSourceFolderProblems: a missing source folder is an error, a source
// whose patterns match none of its files says so, an invalid pattern is an
// elt.yaml error at its line.
func TestSourceFolderProblems(t *testing.T) {
	proj := pipelineProject(t)
	cfg, err := os.ReadFile(filepath.Join(proj, "elt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, from, to, want string
		code                 int
	}{
		{"misspelt folder", "  events:\n", "  events:\n    path: evnets\n", "source events: no folder " + filepath.Join(proj, "data", "bronze", "evnets") + ": create it", ExitFailure},
		{"wrong format", "    format: ndjson\n", "    format: csv\n", " files under " + filepath.Join(proj, "data", "bronze", "events") +
			" match none of its patterns, so it read nothing (**/*.csv; format csv), e.g. dt=2026-11-01/part-0001.json", ExitOK},
		{"invalid pattern", "    format: ndjson\n", "    format: ndjson\n    patterns: ['[']\n", "elt.yaml:", ExitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := copyProject(t, proj, t.TempDir())
			testutil.WriteFile(t, filepath.Join(p, "elt.yaml"), strings.Replace(string(cfg), tc.from, tc.to, 1))
			code, out, errs := elt(t, "--project", p, "--bronze", filepath.Join(proj, "data", "bronze"), "build")
			if code != tc.code || !strings.Contains(out+errs, tc.want) {
				t.Fatalf("exit %d, want %d and %q:\n%s%s", code, tc.code, tc.want, out, errs)
			}
			if tc.name == "invalid pattern" && !strings.Contains(errs, `pattern "[" is not a valid glob`) {
				t.Fatalf("%s", errs)
			}
		})
	}
}

// TestReservedNames: a model in the schema elt or named like the
// quarantine is an error at its file, and the tool's tables stay intact.
func TestReservedNames(t *testing.T) {
	proj := pipelineProject(t)
	for _, rel := range []string{"models/elt/runs.sql", "models/silver/quarantine.sql"} {
		testutil.WriteFile(t, filepath.Join(proj, rel), "SELECT 1 AS x\n")
		code, _, errs := elt(t, "--project", proj, "build")
		if code != ExitFailure || !strings.Contains(errs, rel+":1:1: ") || !strings.Contains(errs, "a model cannot be named like it") {
			t.Fatalf("%s: exit %d\n%s", rel, code, errs)
		}
		if err := os.RemoveAll(filepath.Join(proj, filepath.Dir(rel), filepath.Base(rel))); err != nil {
			t.Fatal(err)
		}
	}
	mustElt(t, "--project", proj, "build")
	mustElt(t, "--project", proj, "query", "SELECT run_id, status FROM elt.runs")
}

// TestConfigOutOfRange: settings out of range are errors at elt.yaml's
// line and column, never a stack trace or DuckDB's raw error.
func TestConfigOutOfRange(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"  threads: 2\n", "  threads: 100000\n", "elt.yaml:11:3: threads must be from 1 to 1024, found 100000"},
		{"  threads: 2\n", "  threads: 0\n", "elt.yaml:11:3: threads must be from 1 to 1024, found 0"},
		{"  memory_limit: 4GB\n", "  memory_limit: 0\n", `elt.yaml:12:3: memory_limit must be a positive size like 4GB or 512MB, found "0"`},
		{"  memory_limit: 4GB\n", "  memory_limit: lots\n", `memory_limit must be a positive size like 4GB or 512MB, found "lots"`},
		{"    key: event_id\n", "    key: event_id\n    max_quarantine_pct: .nan\n", "source events: max_quarantine_pct is a percentage from 0 to 100, found NaN"},
		{"    key: event_id\n", "    key: event_id\n    max_quarantine_pct: 101\n", "max_quarantine_pct is a percentage from 0 to 100, found 101"},
	} {
		proj := copyProject(t, repoRoot(t), t.TempDir())
		cfg, err := os.ReadFile(filepath.Join(proj, "elt.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(cfg), tc.from) {
			t.Fatalf("elt.yaml has no %q", tc.from)
		}
		testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), strings.Replace(string(cfg), tc.from, tc.to, 1))
		code, _, errs := elt(t, "--project", proj, "build")
		if code != ExitFailure || !strings.Contains(errs, tc.want) || strings.Contains(errs, "goroutine") {
			t.Errorf("%s: exit %d\n%s", strings.TrimSpace(tc.to), code, errs)
		}
	}
}

// TestOutOfMemoryHint: a model DuckDB cannot build within its share of
// memory_limit fails at its file, and the hint names the elt.yaml settings
// that give it more (DuckDB's own advice is in SET statements).
func TestOutOfMemoryHint(t *testing.T) {
	proj := pipelineProject(t)
	cfg, err := os.ReadFile(filepath.Join(proj, "elt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "  memory_limit: 4GB\n") {
		t.Fatal("elt.yaml sets no memory_limit: 4GB")
	}
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), strings.Replace(string(cfg), "  memory_limit: 4GB\n", "  memory_limit: 64MB\n", 1))
	// One list value of 200 MB: DuckDB cannot write a single value to disk.
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", "too_big.sql"),
		"-- materialized: table\nSELECT list(repeat('x', 100) || i) AS l FROM range(2000000) AS t(i)\n")
	code, _, errs := elt(t, "--project", proj, "build")
	for _, want := range []string{"models/gold/too_big.sql: Out of Memory Error", "hint: raise duckdb.memory_limit in elt.yaml (or in its targets:), or lower duckdb.threads"} {
		if !strings.Contains(errs, want) {
			t.Errorf("no %q in:\n%s", want, errs)
		}
	}
	if code != ExitFailure {
		t.Errorf("exit %d, want %d", code, ExitFailure)
	}
}

// TestMigrateNeedsIntent: migrate down reverts nothing without --steps or
// --all, and says what it dropped; migrate version never creates a
// warehouse.
func TestMigrateNeedsIntent(t *testing.T) {
	proj := pipelineProject(t)
	before := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT count(*) FROM elt.files")
	code, _, errs := elt(t, "--project", proj, "migrate", "down")
	if code != ExitUsage || !strings.Contains(errs, "needs --steps N (N >= 1) or --all") {
		t.Fatalf("migrate down: exit %d\n%s", code, errs)
	}
	if after := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT count(*) FROM elt.files"); after != before {
		t.Fatal("migrate down without flags changed the warehouse")
	}
	// Seven steps: 0012 drops its tables, 0011 renames a column back
	// (nothing dropped), 0010 to 0006 drop what they added.
	out := mustElt(t, "--project", proj, "migrate", "down", "--steps", "7")
	if out != "dropped table elt.export_written, table elt.export_changes, column source_key of elt.reconciliations, table elt.stream_batches, column version_id of elt.files, column etag of elt.files, table elt.reconciliations, table elt.online_published, table elt.online_pending\nversion 5 of 12\n" {
		t.Fatalf("migrate down --steps 7: %q", out)
	}
	out = mustElt(t, "--project", proj, "migrate", "down", "--all")
	if !strings.HasPrefix(out, "dropped column inode of elt.files, column changed_at of elt.files, table elt.check_results, table elt.model_state, table silver.quarantine, table elt.files, table elt.model_runs, table elt.runs, sequence elt.run_id\n") {
		t.Fatalf("migrate down --all: %q", out)
	}
	mustElt(t, "--project", proj, "migrate", "up")

	missing := filepath.Join(t.TempDir(), "none.duckdb")
	code, _, errs = elt(t, "--project", proj, "--warehouse", missing, "migrate", "version")
	if code != ExitFailure || !strings.Contains(errs, "no warehouse at "+missing) {
		t.Fatalf("migrate version: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatal("migrate version created a warehouse")
	}
}

// TestDamagedWarehouseHint: a warehouse DuckDB cannot open gets a hint
// saying how to recover.
func TestDamagedWarehouseHint(t *testing.T) {
	proj := pipelineProject(t)
	wh := filepath.Join(proj, "data", "warehouse.duckdb")
	data, err := os.ReadFile(wh)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, wh, string(data[:7]))
	for _, cmd := range []string{"query", "build"} {
		args := []string{"--project", proj, cmd}
		if cmd == "query" {
			args = append(args, "SELECT 1")
		}
		code, _, errs := elt(t, args...)
		if code != ExitFailure || !strings.Contains(errs, "cannot open the warehouse "+wh) || !strings.Contains(errs, "Move it aside") ||
			!strings.Contains(errs, "elt build --full-refresh") {
			t.Fatalf("%s: exit %d\n%s", cmd, code, errs)
		}
	}
}

// TestQuestionMarkInPaths: a '?' in the bronze or output path is just a
// character; in the warehouse path (where DuckDB would name its log wrongly)
// it is refused plainly instead of being read as connection options.
func TestQuestionMarkInPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "what?")
	proj := copyProject(t, repoRoot(t), dir)
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "500", "--users", "20", "--days", "1")
	mustElt(t, "--project", proj, "--warehouse", filepath.Join(t.TempDir(), "w.duckdb"), "--output", filepath.Join(dir, "out?x=1"), "build")
	if _, err := os.Stat(filepath.Join(dir, "out?x=1", "gold", "user_session_analysis", "parquet")); err != nil {
		t.Fatal(err)
	}
	wh := filepath.Join(t.TempDir(), "w.duckdb?access_mode=read_only")
	code, _, errs := elt(t, "--project", proj, "--warehouse", wh, "build")
	if code != ExitFailure || !strings.Contains(errs, "holds a '?'") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

// TestFailedExportLeavesNoTemporary: an export that fails removes its
// half-written folder.
func TestFailedExportLeavesNoTemporary(t *testing.T) {
	proj := minimalProject(t, t.TempDir())
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", "one.sql"), "/*\nmaterialized: table\nexport:\n  formats: [csv]\n  partition_by: [{name: p, expr: \"error('boom')\"}]\n*/\nSELECT 1 AS id\n")
	code, _, errs := elt(t, "--project", proj, "build")
	if code != ExitFailure || !strings.Contains(errs, "boom") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	left, err := filepath.Glob(filepath.Join(proj, "data", "out", "gold", ".one.tmp-*"))
	if err != nil || len(left) > 0 {
		t.Fatalf("left behind: %v %v", left, err)
	}
}

// TestQueryJSONSpecialValues: NaN and infinities are JSON nulls, intervals
// ISO 8601 durations, and TIMESTAMPTZ keeps its offset in every format.
func TestQueryJSONSpecialValues(t *testing.T) {
	proj := minimalProject(t, t.TempDir())
	mustElt(t, "--project", proj, "build")
	q := `SELECT 'nan'::DOUBLE AS a, '-inf'::FLOAT AS b, INTERVAL 3 DAY + INTERVAL 90 MINUTE + INTERVAL '1.5 seconds' AS i,
		INTERVAL 14 MONTH AS m, INTERVAL 0 DAY AS z, TIMESTAMPTZ '2026-11-02 18:45:39.5+02' AS tz, ['inf'::DOUBLE, 1.5] AS l`
	for format, want := range map[string]string{
		"json": `[
  {"a": null, "b": null, "i": "P3DT1H30M1.5S", "m": "P1Y2M", "z": "PT0S", "tz": "2026-11-02 16:45:39.500000+00:00", "l": [null,1.5]}
]
`,
		"csv": "a,b,i,m,z,tz,l\nNaN,-Inf,P3DT1H30M1.5S,P1Y2M,PT0S,2026-11-02 16:45:39.500000+00:00,\"[null,1.5]\"\n",
	} {
		if got := mustElt(t, "--project", proj, "query", "--format", format, q); got != want {
			t.Errorf("%s:\ngot  %q\nwant %q", format, got, want)
		}
	}
	if got := mustElt(t, "--project", proj, "query", q); !strings.Contains(got, "2026-11-02 16:45:39.500000+00:00") || !strings.Contains(got, "P3DT1H30M1.5S") {
		t.Errorf("table:\n%s", got)
	}
}

// TestGenerateRefusesToOverwrite: elt generate never writes over bronze
// files.
func TestGenerateRefusesToOverwrite(t *testing.T) {
	proj := pipelineProject(t)
	bronze := filepath.Join(proj, "data", "bronze")
	before := testutil.TreeHash(t, bronze)
	code, _, errs := elt(t, "--project", proj, "generate", "--dirty", "0", "--events", "1500", "--users", "40", "--days", "2", "--seed", "7")
	if code != ExitFailure || !strings.Contains(errs, "already exists: elt generate never overwrites bronze files") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if testutil.TreeHash(t, bronze) != before {
		t.Fatal("generate changed bronze files")
	}
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "100", "--users", "5", "--days", "1", "--batch", "b2")
}
