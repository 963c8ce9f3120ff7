package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/event"
)

// TestPlainReporter: each event's lines, as CI logs (and the goldens of
// testdata/e2e) show them; events for machines only write nothing.
func TestPlainReporter(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 8, 7, 0, time.Local)
	s := func(v string) *string { return &v }
	many := make([]string, 12)
	for i := range many {
		many[i] = "f" + string(rune('a'+i)) + ".json"
	}
	for _, tc := range []struct {
		e    event.Event
		want string
	}{
		{event.RunStarted{Command: "build"}, ""},
		{event.RunFinished{Status: event.Failed, ExitCode: 1, Error: "boom"}, ""},
		{event.BuildStarted{RunID: 3, Models: []string{"a.b"}}, ""},
		{event.WatchBuildStarted{Ready: 1}, ""},
		{event.SourceSkipped{Source: "users"}, "ingest  users          not loaded: no model reads bronze.users\n"},
		{event.SourceSkipped{Source: "users", Selection: true}, "ingest  users          not loaded: no selected model reads bronze.users\n"},
		{event.SourceIngested{Source: "events", Files: 2, Records: 1234, Quarantined: 5, Seconds: 1.234},
			"ingest  events            2 new files,      1234 records,      5 quarantined    1.23s\n"},
		{event.Note{Kind: "no_files", Source: "events", Text: "events: no files under data/bronze/events yet"}, "  note: events: no files under data/bronze/events yet\n"},
		{event.Note{Kind: "changed", Source: "e", Text: "e: 1 file re-read", Files: []string{"a.json"}}, "  note: e: 1 file re-read:\n    a.json\n"},
		{event.Warning{Kind: "missing", Source: "e", Text: "e: 12 gone", Files: many},
			"  warning: e: 12 gone:\n    fa.json\n    fb.json\n    fc.json\n    fd.json\n    fe.json\n    ff.json\n    fg.json\n    fh.json\n    fi.json\n    fj.json\n    … and 2 more\n"},
		{event.ModelDone{Index: 1, Count: 12, Model: "silver.users", Mode: event.ModeTable, Status: event.ModelBuilt, Rows: 42, Seconds: 0.5},
			"  1/12  silver.users                         table            42 rows    0.50s\n"},
		{event.ModelDone{Index: 2, Count: 2, Model: "gold.v", Mode: event.ModeView, Status: event.ModelBuilt, Seconds: 0.01},
			"  2/2  gold.v                               view                view    0.01s\n"},
		{event.ModelDone{Index: 2, Count: 2, Model: "gold.t", Mode: event.ModeIncremental, Status: event.ModelFailed, Seconds: 0.01, Error: "x"},
			"  2/2  gold.t                               incremental        ERROR    0.01s\n"},
		{event.ModelsSkipped{Failed: "silver.b", Models: []string{}}, "nothing was published: the warehouse is as it was before this build\n"},
		{event.ModelsSkipped{Failed: "silver.b", Models: []string{"gold.c", "gold.d"}},
			"not run, as silver.b failed: gold.c, gold.d\nnothing was published: the warehouse is as it was before this build\n"},
		{event.Checks{Passed: 3, Failed: 1, Warnings: 1}, "checks: 3 passed, 1 failed, 1 warning\n"},
		{event.CheckResult{Target: "a.b", Check: "not_null(x)", Severity: "error", Status: event.CheckPass, Passed: true, Total: 3}, ""},
		{event.CheckResult{Target: "a.b", Check: "not_null(x)", Severity: "error", Status: event.CheckFail, Failing: 1, Total: 7, Unit: "row",
			Samples: &event.Table{Columns: []string{"id", "x"}, Types: []string{"INTEGER", "VARCHAR"}, Rows: [][]*string{{s("12"), nil}}}},
			"FAIL  a.b  not_null(x): 1 of 7 rows fail (14.3%)\n      id  x\n      12  NULL\n"},
		{event.CheckResult{Target: "source e", Check: "max_quarantine_pct(10)", Severity: "error", Status: event.CheckFail, Failing: 5, Total: 11, Unit: "record", Allowed: 0.1},
			"FAIL  source e  max_quarantine_pct(10): 5 of 11 records quarantined (45.5%), at most 10.0% allowed\n"},
		{event.CheckResult{Target: "sql/tests/t.sql", Check: "returns no rows", Severity: "warn", Status: event.CheckWarn, Failing: 2, Total: 2, Unit: "test"},
			"WARN  sql/tests/t.sql  returns no rows: returned 2 rows\n"},
		{event.CheckResult{Target: "a.b", Check: "row_count", Severity: "error", Status: event.CheckFail, Unit: "row", Detail: "3 rows, expected at most 2"},
			"FAIL  a.b  row_count: 3 rows, expected at most 2\n"},
		{event.CheckResult{Target: "a.b", Check: "c", Severity: "error", Status: event.CheckError, Unit: "row", Error: "no such column"},
			"FAIL  a.b  c: could not run: no such column\n"},
		{event.Reconciliation{Sources: []event.Balance{
			{Source: "orders", Model: "silver.orders", Read: 11, Silver: 5, Superseded: 1, Quarantined: 5, Bronze: 6, Balanced: true},
			{Source: "events", Model: "silver.sessions", Read: 10, Silver: 7, Quarantined: 1, Filtered: 2, Bronze: 9, Balanced: true},
			{Source: "users", Model: "gold.people", Read: 3, Silver: 2, Bronze: 3}}},
			"\nsource               read     silver  superseded  quarantined\n" +
				"orders                 11          5           1            5  ok\n" +
				"events                 10          7           0            1  ok\n" +
				"users                   3          2           0            0  MISMATCH\n" +
				"  events: silver is silver.sessions, whose WHERE or HAVING leaves out 2 records on purpose (read 10 = 7 + 0 superseded + 1 quarantined + 2 left out)\n" +
				"  users: silver is gold.people, the model with the source's key as its unique_key\n\n"},
		{event.Published{RunID: 7}, "published run 7\n"},
		{event.ExportWritten{Model: "gold.x", Formats: []string{"csv", "parquet"}, Rows: 3, Path: "out/gold/x", Seconds: 0.1},
			"export  gold.x                               csv+parquet       3 rows    0.10s  -> out/gold/x\n"},
		{event.OnlinePublished{Model: "gold.f", Keys: 4, Written: 3, Deleted: 1, Seconds: 0.02},
			"online  gold.f                               redis             4 keys    0.02s  -> redis\n"},
		{event.OnlineSkipped{Model: "gold.f", Reason: "no Redis configured"}, "online  gold.f                               not served: no Redis configured\n"},
		{event.OnlineWarning{Model: "gold.f", Text: "Redis was not updated: refused"}, "warning: Redis was not updated: refused\n"},
		{event.BuildFinished{RunID: 2, Models: 1, Seconds: 3.456}, "Done: 1 model built in 3.46s (run 2)\n"},
		{event.UnitTests{Passed: 1, Failed: 2}, "unit tests: 1 passed, 2 failed\n"},
		{event.UnitTestResult{Test: "tests/a.yaml", Model: "gold.a", How: "whole", Passed: true}, ""},
		{event.UnitTestResult{Test: "tests/a.yaml", Model: "gold.a", How: "whole", Missing: []string{"(1, x)"}, Extra: []string{"(2, y)", "(3, z)"}},
			"FAIL  tests/a.yaml  gold.a (whole): 1 expected row not returned, 2 rows not expected\n  - (1, x)\n  + (2, y)\n  + (3, z)\n"},
		{event.UnitTestResult{Test: "tests/a.yaml", Model: "gold.a", How: "as an increment", Error: "boom"}, "FAIL  tests/a.yaml  gold.a (as an increment): could not run: boom\n"},
		{event.DocsWritten{Path: "out/docs/index.html", Models: 3, Sources: 1}, "wrote out/docs/index.html: 3 models, 1 sources\n"},
		{event.TestScaffolded{Path: "tests/gold.a.yaml", Inputs: 1, Expected: 2}, "wrote tests/gold.a.yaml: 1 input row, 2 expected\n"},
		{event.Info{Kind: "nothing_declared", Text: "no tests or checks declared"}, "no tests or checks declared\n"},
		{event.WatchStarted{Dir: "data/bronze", IntervalText: "2s"}, "watching data/bronze (every 2s; Ctrl-C stops)\n"},
		{event.WatchStarted{Dir: "b", IntervalText: "500ms", Polling: "file events are not available here (too many files)"},
			"note: file events are not available here (too many files); polling every 500ms\nwatching b (every 500ms; Ctrl-C stops)\n"},
		{event.WatchFileHeld{File: "e/a.json", Reason: event.HeldEmpty, At: at}, "09:08:07  note: e/a.json is empty; watch takes it once it has content and holds still\n"},
		{event.WatchFileHeld{File: "e/a.json", Reason: event.HeldChanged, Text: "e/a.json changed", At: at},
			"09:08:07  warning: e/a.json changed; watch leaves it out of its builds from now on\n"},
		{event.WatchBuildDone{RunID: 4, Files: 1, Records: 10, Quarantined: 1, Models: 3, Seconds: 0.5, At: at, Warnings: []string{"warning: x:\n    a.json", "online  gold.f  not served"}},
			"09:08:07  run 4: 1 file, 10 records (1 quarantined), 3 models in 0.50s\n09:08:07  warning: x:\n    a.json\n09:08:07  online  gold.f  not served\n"},
		{event.WatchBuildFailed{Waiting: 2, Error: "boom", At: at}, "09:08:07  build failed (2 new files waiting): boom\n"},
		{event.WatchBuildFailed{Error: "boom", At: at}, "09:08:07  build failed: boom\n"},
		{event.SourceIngested{Source: "events", Topic: "ev", Partitions: 3, Records: 12, Quarantined: 1, Seconds: 0.5},
			"ingest  events                12 messages from topic ev (3 partitions),      1 quarantined    0.50s\n"},
		{event.WatchBuildDone{RunID: 5, Messages: 3, Records: 3, Models: 6, Seconds: 0.25, At: at}, "09:08:07  run 5: 0 files, 3 messages, 3 records (0 quarantined), 6 models in 0.25s\n"},
		{event.WatchPollFailed{Error: "events: no answer", Kafka: true, At: at}, "09:08:07  cannot reach Kafka: events: no answer\n"},
		{event.WatchStarted{Dir: "b", IntervalText: "2s", Topics: []string{"events from kafka topic events (every 500ms)"}},
			"reading events from kafka topic events (every 500ms)\nwatching b (every 2s; Ctrl-C stops)\n"},
		{event.WatchPollFailed{Error: "gone", At: at}, "09:08:07  cannot read the bronze folder: gone\n"},
		{event.WatchStopped{}, "stopped\n"},
	} {
		var b bytes.Buffer
		(&plainReporter{w: &b}).Report(tc.e)
		if b.String() != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.e.Name(), b.String(), tc.want)
		}
	}
}

// TestJSONReporter: one line of JSON per event, whatever the event, with
// the reporter's clock.
func TestJSONReporter(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 8, 7, 0, time.UTC)
	for _, tc := range []struct {
		e    event.Event
		want string
	}{
		{event.Published{RunID: 7}, `{"schema":"elt.event/1","event":"published","time":"2026-12-03T09:08:07.000Z","run_id":7}`},
		{event.SourceIngested{Source: "e", Files: 1, Records: 2, Quarantined: 1, Held: 1, Seconds: 0.5},
			`{"schema":"elt.event/1","event":"source_ingested","time":"2026-12-03T09:08:07.000Z","source":"e","files":1,"records":2,"quarantined":1,"held":1,"seconds":0.5}`},
		{event.WatchStarted{Dir: "b", IntervalText: "2s", IntervalSeconds: 2},
			`{"schema":"elt.event/1","event":"watch_started","time":"2026-12-03T09:08:07.000Z","dir":"b","interval":"2s","interval_seconds":2}`},
		{event.Info{Kind: "k", Text: "a \"quoted\"\nline"}, `{"schema":"elt.event/1","event":"info","time":"2026-12-03T09:08:07.000Z","kind":"k","text":"a \"quoted\"\nline"}`},
	} {
		var b bytes.Buffer
		(&jsonReporter{w: &b, now: func() time.Time { return at }}).Report(tc.e)
		if b.String() != tc.want+"\n" || strings.Count(b.String(), "\n") != 1 {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.e.Name(), b.String(), tc.want)
		}
	}
}
