package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/testutil/pgtest"
)

// engineProject is the conformance project with a target pg that builds
// in PostgreSQL, its own warehouse for ingestion beside.
func engineProject(t *testing.T) string {
	t.Helper()
	proj := conformanceProject(t)
	addTargets(t, proj, "\ntargets:\n  pg:\n    engine: postgres\n")
	return proj
}

// silverTables are every silver and gold model's rows, and the last
// build's reconciliation, as elt query prints them.
func silverTables(t *testing.T, base []string) string {
	var b strings.Builder
	for _, q := range []string{
		"SELECT * FROM silver.events ORDER BY event_id",
		"SELECT * FROM silver.transactions ORDER BY transaction_id",
		"SELECT * FROM silver.users ORDER BY user_id",
		"SELECT * FROM gold.fraud_velocity_alerts ORDER BY transaction_id",
		"SELECT * FROM gold.user_features ORDER BY user_id",
		"SELECT event_id, properties->>'page' AS page, json_extract_string(properties, '$.q') AS q FROM silver.events ORDER BY event_id",
		"SELECT source, read, silver, superseded, quarantined, bronze, balanced FROM elt.reconciliations WHERE run_id = (SELECT max(run_id) FROM elt.reconciliations) ORDER BY source",
	} {
		b.WriteString(mustElt(t, append(base, "query", "--format", "csv", q)...))
	}
	return b.String()
}

// TestConformanceInPostgres builds each shared conformance case in a real
// PostgreSQL 15 (engine: postgres), whole and file by file, and compares
// gold, the quarantine and the counts with the case's expected/, and
// every silver and gold model with the embedded DuckDB's build of the
// same bronze — all read back through elt query --target pg, whose
// questions are translated too.
func TestConformanceInPostgres(t *testing.T) {
	server := pgtest.Start(t)
	cases := []string{"01-clean", "02-dirty", "03-dirtier", "04-seed-format", "05-real-files"}
	for i, name := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(testutil.ConformanceDir(t), name)
			testutil.SkipPending(t, dir)
			proj := engineProject(t)
			bronze := filepath.Join(dir, "bronze")
			duck := []string{"--project", proj, "--bronze", bronze, "--warehouse", filepath.Join(t.TempDir(), "duck.duckdb")}
			mustElt(t, append(duck, "build")...)

			// A session time zone other than UTC must change nothing.
			t.Setenv("ELT_ENGINE_DSN", pgtest.Database(t, server, fmt.Sprintf("whole%d", i))+"&options=-c%20TimeZone%3DAmerica/New_York")
			pg := []string{"--project", proj, "--target", "pg", "--bronze", bronze, "--warehouse", filepath.Join(t.TempDir(), "pg.duckdb")}
			mustElt(t, append(pg, "build")...)
			compare(t, dir, pg)
			if want, got := silverTables(t, duck), silverTables(t, pg); got != want {
				t.Errorf("the models built in PostgreSQL differ from DuckDB's:\n%s", testutil.Diff("duckdb", want, "postgres", got))
			}

			// File by file: each arrival, then a build.
			t.Setenv("ELT_ENGINE_DSN", pgtest.Database(t, server, fmt.Sprintf("byfile%d", i)))
			lake := t.TempDir()
			testutil.MkdirAll(t, filepath.Join(lake, "events"), filepath.Join(lake, "transactions"), filepath.Join(lake, "users"))
			inc := []string{"--project", proj, "--target", "pg", "--bronze", lake, "--warehouse", filepath.Join(t.TempDir(), "inc.duckdb")}
			for _, f := range testutil.Arrivals(t, bronze) {
				testutil.CopyFile(t, filepath.Join(bronze, f), filepath.Join(lake, f))
				mustElt(t, append(inc, "build")...)
			}
			compare(t, dir, inc)
			if want, got := silverTables(t, duck), silverTables(t, inc); got != want {
				t.Errorf("built file by file in PostgreSQL, the models differ from DuckDB's:\n%s", testutil.Diff("duckdb", want, "postgres", got))
			}
		})
	}
}

// TestEngineChecksBlock fails a check of gold in PostgreSQL: the build
// exits 1 naming it, and the engine keeps what it had published (nothing
// of the failed build); once the check holds again, the build publishes.
func TestEngineChecksBlock(t *testing.T) {
	t.Setenv("ELT_ENGINE_DSN", pgtest.Start(t))
	proj := engineProject(t)
	dir := filepath.Join(testutil.ConformanceDir(t), "01-clean")
	base := []string{"--project", proj, "--target", "pg", "--bronze", filepath.Join(dir, "bronze"), "--warehouse", filepath.Join(t.TempDir(), "pg.duckdb")}
	model := filepath.Join(proj, "models", "gold", "user_session_analysis.sql")
	text, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	strict := strings.Replace(string(text), "- range: {min: 1}", "- range: {min: 1000}", 1)
	if strict == string(text) {
		t.Fatal("the model's range check moved: update the test")
	}
	testutil.WriteFile(t, model, strict)
	code, out, errs := elt(t, append(base, "build")...)
	if code != 1 || !strings.Contains(out, "FAIL  gold.user_session_analysis  range(total_events)") || !strings.Contains(errs, "nothing was published there") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := elt(t, append(base, "query", "SELECT count(*) FROM gold.user_session_analysis")...); code == 0 {
		t.Fatalf("a blocked first build published gold:\n%s%s", out, errs)
	}
	testutil.WriteFile(t, model, string(text))
	if out := mustElt(t, append(base, "build")...); !strings.Contains(out, "6 models built") {
		t.Errorf("the build's last line does not count the models built in the engine:\n%s", out)
	}
	compare(t, dir, base)
}

// halfBuilt is conformance case 02-dirty built in a real PostgreSQL
// (engine: postgres) from the first half of its files to arrive.
type halfBuilt struct {
	conn              *pgx.Conn // to the engine, closed with the test
	dir, bronze, lake string    // the case, its bronze, the half given
	pg                []string  // elt's arguments for the target
	files             []string  // every file, in order of arrival
}

func halfBuiltInPostgres(t *testing.T) halfBuilt {
	t.Helper()
	dsn := pgtest.Start(t)
	t.Setenv("ELT_ENGINE_DSN", dsn)
	proj := engineProject(t)
	h := halfBuilt{dir: filepath.Join(testutil.ConformanceDir(t), "02-dirty"), lake: t.TempDir()}
	h.bronze = filepath.Join(h.dir, "bronze")
	testutil.MkdirAll(t, filepath.Join(h.lake, "events"), filepath.Join(h.lake, "transactions"), filepath.Join(h.lake, "users"))
	h.files = testutil.Arrivals(t, h.bronze)
	for _, f := range h.files[:len(h.files)/2] {
		testutil.CopyFile(t, filepath.Join(h.bronze, f), filepath.Join(h.lake, f))
	}
	h.pg = []string{"--project", proj, "--target", "pg", "--bronze", h.lake, "--warehouse", filepath.Join(t.TempDir(), "pg.duckdb")}
	mustElt(t, append(h.pg, "build")...)
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	h.conn = conn
	return h
}

// arrive copies the files of the second half.
func (h halfBuilt) arrive(t *testing.T) {
	for _, f := range h.files[len(h.files)/2:] {
		testutil.CopyFile(t, filepath.Join(h.bronze, f), filepath.Join(h.lake, f))
	}
}

// TestEngineMergesIncremental builds in PostgreSQL, then builds again
// after late files: the incremental models are merged into their tables,
// which stay the same tables (a reader's view on one survives), and the
// result equals DuckDB's build of all the files.
func TestEngineMergesIncremental(t *testing.T) {
	h := halfBuiltInPostgres(t)
	ctx, conn, dir, pg := context.Background(), h.conn, h.dir, h.pg
	oid := func() (n uint32) {
		if err := conn.QueryRow(ctx, `SELECT 'gold.user_session_analysis'::regclass::oid`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := oid()
	if _, err := conn.Exec(ctx, `CREATE VIEW public.conversions AS SELECT count(*) AS n FROM gold.user_session_analysis WHERE is_conversion`); err != nil {
		t.Fatal(err)
	}
	h.arrive(t)
	mustElt(t, append(pg, "build")...)
	if after := oid(); after != before {
		t.Errorf("gold.user_session_analysis was replaced (oid %d, then %d), not merged", before, after)
	}
	compare(t, dir, pg)
	var n int64
	if err := conn.QueryRow(ctx, `SELECT n FROM public.conversions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := int64(strings.Count(mustElt(t, append(pg, "query", "--format", "csv", "SELECT 1 FROM gold.user_session_analysis WHERE is_conversion")...), "\n") - 1); n != want {
		t.Errorf("the reader's view counts %d conversions, gold has %d", n, want)
	}
}

// TestEngineManifestRenamed: an engine whose copy of the manifest still
// has the column sha256 (built before migration 0011 renamed it in elt's)
// has it renamed, and its bronze rows are not copied again: the rows of
// files it held keep the transaction that wrote them.
func TestEngineManifestRenamed(t *testing.T) {
	h := halfBuiltInPostgres(t)
	ctx, conn, dir, pg := context.Background(), h.conn, h.dir, h.pg
	if _, err := conn.Exec(ctx, `ALTER TABLE elt.files RENAME COLUMN fingerprint TO sha256`); err != nil {
		t.Fatal(err)
	}
	var before, kept int64
	if _, err := conn.Exec(ctx, `CREATE TABLE public.written AS SELECT _file, _line, xmin::text AS x FROM bronze.events`); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM public.written`).Scan(&before); err != nil || before == 0 {
		t.Fatalf("%d bronze rows in the engine: %v", before, err)
	}
	h.arrive(t)
	mustElt(t, append(pg, "build")...)
	var columns string
	if err := conn.QueryRow(ctx, `SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'elt' AND table_name = 'files'`).Scan(&columns); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(columns, "fingerprint") || strings.Contains(columns, "sha256") {
		t.Fatalf("the engine's elt.files has columns %s", columns)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM public.written AS w JOIN bronze.events AS e USING (_file, _line) WHERE e.xmin::text = w.x`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept != before {
		t.Errorf("of the %d bronze rows the engine held, %d were copied again", before, before-kept)
	}
	compare(t, dir, pg)
}

// TestStarterInPostgres builds the elt init starter (a seed, a macro, a
// unit-tested silver model, a gold model, a saved query) in PostgreSQL:
// every model, the seed, and the saved query's answer equal the embedded
// build's.
func TestStarterInPostgres(t *testing.T) {
	t.Setenv("ELT_ENGINE_DSN", pgtest.Start(t))
	proj := filepath.Join(t.TempDir(), "starter")
	mustElt(t, "init", proj)
	addTargets(t, proj, engineTargets)
	// A star the engine's catalog expands, over a model built in the same
	// transaction.
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", "orders_slim.sql"), "/* materialized: table */\nSELECT * EXCLUDE (currency) FROM silver.orders\n")
	duck := []string{"--project", proj}
	pg := []string{"--project", proj, "--target", "pg", "--warehouse", filepath.Join(t.TempDir(), "pg.duckdb")}
	mustElt(t, append(duck, "build")...)
	mustElt(t, append(pg, "build")...)
	for _, q := range []string{
		"SELECT * FROM silver.orders ORDER BY order_id",
		"SELECT * FROM gold.daily_revenue ORDER BY ALL",
		"SELECT * FROM ref.fx_rates ORDER BY ALL",
		"SELECT * FROM gold.orders_slim ORDER BY order_id",
		"SELECT order_id, to_eur(amount, 0.5) AS half FROM silver.orders ORDER BY order_id", // a project macro in a question
	} {
		want := mustElt(t, append(duck, "query", "--format", "csv", q)...)
		if got := mustElt(t, append(pg, "query", "--format", "csv", q)...); got != want {
			t.Errorf("%s differs in PostgreSQL:\n%s", q, testutil.Diff("duckdb", want, "postgres", got))
		}
	}
	want := mustElt(t, append(duck, "query", "--format", "csv", "-f", filepath.Join(proj, "sql", "revenue_by_day.sql"))...)
	if got := mustElt(t, append(pg, "query", "--format", "csv", "-f", filepath.Join(proj, "sql", "revenue_by_day.sql"))...); got != want {
		t.Errorf("the saved query differs in PostgreSQL:\n%s", testutil.Diff("duckdb", want, "postgres", got))
	}

	// What depends on published tables stays: a reader's own view, a
	// model view left out of the selection, and one whose model is gone.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("ELT_ENGINE_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA bi; CREATE VIEW bi.revenue AS SELECT * FROM gold.daily_revenue`); err != nil {
		t.Fatal(err)
	}
	view := filepath.Join(proj, "models", "gold", "big_orders.sql")
	testutil.WriteFile(t, view, "/* materialized: view */\nSELECT order_id, amount FROM silver.orders WHERE amount > 100\n")
	mustElt(t, append(pg, "build")...)
	mustElt(t, append(pg, "build", "--select", "silver.orders")...)
	mustElt(t, append(pg, "build", "--exclude", "gold.big_orders")...)
	os.Remove(view)
	mustElt(t, append(pg, "build")...)
	var n int64
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM bi.revenue) + (SELECT count(*) FROM gold.big_orders)`).Scan(&n); err != nil || n == 0 {
		t.Errorf("the views on published tables: %d rows, %v", n, err)
	}
}

// TestEngineTargetRefusals: the commands that read models from the
// embedded warehouse refuse a target built in another engine, saying
// what to do; nothing is asked of a server.
func TestEngineTargetRefusals(t *testing.T) {
	proj := engineProject(t)
	t.Setenv("ELT_ENGINE_DSN", "postgres://elt@127.0.0.1:1/none?sslmode=disable")
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"show", "gold.user_session_analysis"}, 2, "ask the engine with elt query --target pg"},
		{[]string{"test"}, 2, "run elt test --unit for the unit tests"},
		{[]string{"docs"}, 2, "elt docs reads the models in the embedded warehouse"},
		{[]string{"ddl"}, 2, "elt compile --target prints their SQL"},
		{[]string{"serve"}, 1, "point PostgreSQL clients at the engine itself"},
	} {
		code, out, errs := elt(t, append([]string{"--project", proj, "--target", "pg", "--warehouse", filepath.Join(t.TempDir(), "w.duckdb")}, c.args...)...)
		if code != c.code || !strings.Contains(errs, "target pg builds in postgres") || !strings.Contains(errs, c.says) {
			t.Errorf("elt %s: exit %d, want %d saying %q\n%s%s", strings.Join(c.args, " "), code, c.code, c.says, out, errs)
		}
	}
	os.Unsetenv("ELT_ENGINE_DSN")
	if code, _, errs := elt(t, "--project", proj, "--target", "pg", "query", "SELECT 1"); code != 1 || !strings.Contains(errs, "set ELT_ENGINE_DSN") {
		t.Errorf("elt query without ELT_ENGINE_DSN: exit %d\n%s", code, errs)
	}
}

// TestEngineFullRefresh changes a source's rule and rebuilds with
// --full-refresh: the engine gets every file again, as the rule now reads
// it, and equals the embedded build of the same project.
func TestEngineFullRefresh(t *testing.T) {
	t.Setenv("ELT_ENGINE_DSN", pgtest.Start(t))
	proj := engineProject(t)
	bronze := filepath.Join(testutil.ConformanceDir(t), "02-dirty", "bronze")
	pg := []string{"--project", proj, "--target", "pg", "--bronze", bronze, "--warehouse", filepath.Join(t.TempDir(), "pg.duckdb")}
	mustElt(t, append(pg, "build")...)
	cfg := filepath.Join(proj, "elt.yaml")
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	upper := strings.Replace(string(text), "{name: event_type, type: text, required: true, normalize: [trim, lower]}", "{name: event_type, type: text, required: true, normalize: [trim, upper]}", 1)
	if upper == string(text) {
		t.Fatal("the event_type field moved: update the test")
	}
	testutil.WriteFile(t, cfg, upper)
	mustElt(t, append(pg, "build", "--full-refresh")...)
	duck := []string{"--project", proj, "--bronze", bronze, "--warehouse", filepath.Join(t.TempDir(), "duck.duckdb")}
	mustElt(t, append(duck, "build")...)
	if want, got := silverTables(t, duck), silverTables(t, pg); got != want {
		t.Errorf("after --full-refresh, PostgreSQL differs from DuckDB:\n%s", testutil.Diff("duckdb", want, "postgres", got))
	}
	if got := mustElt(t, append(pg, "query", "--format", "csv", "SELECT count(*) FROM silver.events WHERE event_type <> upper(event_type)")...); got != "count_star()\n0\n" && !strings.HasSuffix(got, "\n0\n") {
		t.Errorf("lower-case event types left in the engine:\n%s", got)
	}
}

// TestEngineRefusesCollation: a database ordering text otherwise than by
// its bytes (as DuckDB does) is refused before anything is built there.
func TestEngineRefusesCollation(t *testing.T) {
	server := pgtest.Start(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE icu TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`); err != nil {
		t.Skipf("this PostgreSQL has no ICU collation to test with: %v", err)
	}
	// LOCALE 'C' orders by bytes, but knows the case of ASCII letters only.
	if _, err := conn.Exec(ctx, `CREATE DATABASE ascii TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'`); err != nil {
		t.Fatal(err)
	}
	proj := engineProject(t)
	for _, db := range []string{"icu", "ascii"} {
		dsn := strings.Replace(server, "/elt?", "/"+db+"?", 1)
		t.Setenv("ELT_ENGINE_DSN", dsn)
		code, out, errs := elt(t, "--project", proj, "--target", "pg", "--bronze", filepath.Join(testutil.ConformanceDir(t), "01-clean", "bronze"), "--warehouse", filepath.Join(t.TempDir(), "w.duckdb"), "build")
		if code != 1 || !strings.Contains(errs, `orders text by the collation`) || !strings.Contains(errs, "LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'") {
			t.Fatalf("%s: exit %d\n%s%s", db, code, out, errs)
		}
		c2, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c2.QueryRow(ctx, `SELECT count(*) FROM information_schema.schemata WHERE schema_name IN ('bronze', 'silver', 'gold')`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: the refused build left %d schemas (%v)", db, n, err)
		}
		c2.Close(ctx)
	}
}

// TestEngineCheckUntranslatable: a header check with no translation stops
// elt compile --target and the build before anything runs, naming the
// model's file.
func TestEngineCheckUntranslatable(t *testing.T) {
	proj := engineProject(t)
	model := filepath.Join(proj, "models", "gold", "user_session_analysis.sql")
	text, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	odd := strings.Replace(string(text), "expression: currency IS NULL OR regexp_full_match(currency, '[A-Z]{3}')", "expression: currency IS NULL OR levenshtein(currency, 'EUR') < 4", 1)
	if odd == string(text) {
		t.Fatal("the currency check moved: update the test")
	}
	testutil.WriteFile(t, model, odd)
	t.Setenv("ELT_ENGINE_DSN", "postgres://elt@127.0.0.1:1/none?sslmode=disable")
	for _, cmd := range []string{"compile", "build"} {
		code, out, errs := elt(t, "--project", proj, "--target", "pg", "--bronze", filepath.Join(testutil.ConformanceDir(t), "01-clean", "bronze"), "--warehouse", filepath.Join(t.TempDir(), "w.duckdb"), cmd)
		if code != 1 || !strings.Contains(errs, "models/gold/user_session_analysis.sql: a check of gold.user_session_analysis in its header: levenshtein has no translation for postgres") || strings.Contains(out, "ingest") {
			t.Errorf("elt %s: exit %d\n%s%s", cmd, code, out, errs)
		}
	}
}
