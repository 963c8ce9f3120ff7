package event

import (
	"encoding/json"
	"testing"
	"time"
)

// TestEncode: an event is one JSON object on one line, the schema, its
// name and the time (RFC 3339, UTC, milliseconds) first, then its fields;
// fields that do not apply are left out, and fields for people only (At)
// are not written.
func TestEncode(t *testing.T) {
	at := time.Date(2026, 12, 3, 18, 4, 5, 123456789, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		e    Event
		want string
	}{
		{WatchStopped{}, `{"schema":"elt.event/1","event":"watch_stopped","time":"2026-12-03T17:04:05.123Z"}`},
		{RunFinished{Command: "build", Status: Blocked, ExitCode: 1, Error: "2 blocking checks failed", Seconds: 1.5},
			`{"schema":"elt.event/1","event":"run_finished","time":"2026-12-03T17:04:05.123Z","command":"build","status":"blocked","exit_code":1,"error":"2 blocking checks failed","seconds":1.5}`},
		{RunFinished{Status: Success}, `{"schema":"elt.event/1","event":"run_finished","time":"2026-12-03T17:04:05.123Z","status":"success","exit_code":0,"seconds":0}`},
		{ModelDone{Index: 1, Count: 2, Model: "silver.users", Mode: ModeIncremental, Status: ModelBuilt, Rows: 42, Seconds: 0.25},
			`{"schema":"elt.event/1","event":"model_done","time":"2026-12-03T17:04:05.123Z","index":1,"count":2,"model":"silver.users","mode":"incremental","status":"built","rows":42,"seconds":0.25}`},
		{Warning{Kind: "missing", Source: "events", Text: "events: 1 ingested file gone from bronze", Files: []string{"a.json"}},
			`{"schema":"elt.event/1","event":"warning","time":"2026-12-03T17:04:05.123Z","kind":"missing","source":"events","text":"events: 1 ingested file gone from bronze","files":["a.json"]}`},
		{WatchBuildFailed{Waiting: 2, Error: "boom", At: at},
			`{"schema":"elt.event/1","event":"watch_build_failed","time":"2026-12-03T17:04:05.123Z","waiting":2,"error":"boom"}`},
		{CheckResult{Target: "gold.x", Check: "not_null(a)", Severity: "error", Status: CheckFail, Blocking: true, Failing: 1, Total: 2, Unit: "row",
			Samples: &Table{Columns: []string{"a"}, Types: []string{"INTEGER"}, Rows: [][]*string{{nil}}}},
			`{"schema":"elt.event/1","event":"check_result","time":"2026-12-03T17:04:05.123Z","target":"gold.x","check":"not_null(a)","severity":"error","status":"fail","passed":false,"blocking":true,"failing":1,"total":2,"unit":"row","samples":{"columns":["a"],"types":["INTEGER"],"rows":[[null]]}}`},
	} {
		b, err := Encode(at, tc.e)
		if err != nil {
			t.Fatalf("%s: %v", tc.e.Name(), err)
		}
		if string(b) != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.e.Name(), b, tc.want)
		}
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			t.Errorf("%s: not JSON: %v", tc.e.Name(), err)
		}
	}
}

// TestNames: every event has its own name, as the schema lists it.
func TestNames(t *testing.T) {
	all := []Event{RunStarted{}, RunFinished{}, BuildStarted{}, SourceSkipped{}, SourceIngested{}, Note{}, Warning{}, ModelDone{}, ModelsSkipped{},
		Checks{}, CheckResult{}, Reconciliation{}, Published{}, ExportWritten{}, OnlinePublished{}, OnlineSkipped{}, OnlineWarning{}, BuildFinished{},
		UnitTests{}, UnitTestResult{}, DocsWritten{}, TestScaffolded{}, Info{}, WatchStarted{}, WatchFileHeld{}, WatchBuildStarted{}, WatchBuildDone{},
		WatchBuildFailed{}, WatchPollFailed{}, WatchStopped{}}
	seen := map[string]bool{}
	for _, e := range all {
		if seen[e.Name()] {
			t.Errorf("two events are named %s", e.Name())
		}
		seen[e.Name()] = true
		if _, err := Encode(time.Now(), e); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
}

// TestReporters: Or drops events for a nil reporter; a Recorder keeps them
// in order; a Func is called.
func TestReporters(t *testing.T) {
	Or(nil).Report(Published{RunID: 1})
	var rec Recorder
	Or(&rec).Report(Published{RunID: 1})
	rec.Report(WatchStopped{})
	if got := rec.Events(); len(got) != 2 || got[0] != (Published{RunID: 1}) || got[1] != (WatchStopped{}) {
		t.Errorf("recorded %v", got)
	}
	n := 0
	Func(func(Event) { n++ }).Report(WatchStopped{})
	if n != 1 {
		t.Errorf("Func called %d times", n)
	}
}
