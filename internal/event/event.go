// Package event holds what elt's engine says while it works: typed events
// (a source ingested, a model built, a check's result, the reconciliation,
// an export written, the feature store updated, the run finished, ...) with
// their figures, and the Reporter interface they are given to. The engine
// (build, watch, test, docs) never writes text: it reports events, and the
// command line turns them into lines for a person (plain or coloured) or
// into JSON for a scheduler. It imports nothing of elt's.
//
// # JSON schema (elt.event/1)
//
// Encode writes an event as one JSON object on one line:
//
//	{"schema":"elt.event/1","event":"model_done","time":"2026-12-03T17:04:05.123Z", ...fields}
//
// schema names this schema and its version: a field may be added within a
// version; renaming or removing one, or changing its meaning, makes a new
// version. event is the event's name (below), time when it was reported
// (RFC 3339, UTC, milliseconds). Durations are in seconds (a JSON number);
// counts are integers; a field that does not apply is left out.
//
//	event              fields                                                  meaning
//	run_started        command, args, version                                  elt began a command
//	build_started      run_id, models, sources                                 a build began: its run id, the models it builds in order, the sources it may read
//	source_skipped     source, selection                                       a source is not loaded: no (selected) model reads it
//	source_ingested    source, files, records, quarantined, held, seconds      a source's new files were read into bronze (quarantined: records rejected)
//	note, warning      kind, source, text, files                               something to know (a note) or to act on (a warning)
//	model_done         index, count, model, mode, status, rows, seconds, error mode: view, table, full, incremental or unchanged; status: built or failed
//	models_skipped     failed, models                                          after a model failed: the models not run; nothing is published
//	checks             passed, failed, warnings                                the totals of the checks whose check_result events follow
//	check_result       target, check, severity, status, passed, blocking, failing, total, unit, allowed, detail, error, samples
//	                                                                           one check: status pass, fail, warn or error (could not run)
//	reconciliation     sources[]: source, model, read, silver, superseded, quarantined, filtered, bronze, balanced
//	                                                                           every record of each source accounted for
//	published          run_id                                                  the build's transaction committed
//	export_written     model, formats, rows, path, seconds, kept, patched, changed_keys
//	                                                                           a model's export was swapped in whole (kept: as it was; patched: its CSV records of only changed_keys keys written)
//	online_published   model, keys, written, deleted, seconds                  a model's changed rows reached the feature store
//	online_skipped     model, reason                                           a model with online: was not served
//	online_warning     model, text                                             the feature store was not (fully) updated; the build stays published
//	build_finished     run_id, models, seconds                                 a build published
//	unit_tests         passed, failed                                          the totals of the unit tests whose unit_test_result events follow
//	unit_test_result   test, model, how, passed, error, missing, extra         one unit test
//	docs_written       path, models, sources                                   the documentation site was written
//	test_scaffolded    path, inputs, expected                                  elt tests scaffold wrote a unit test
//	info               kind, text                                              a line of a command's report (no data checks yet, nothing declared)
//	watch_started      dir, interval, interval_seconds, polling                watch began; polling is why file events are not used, when they are not
//	watch_file_held    file, reason, text                                      a file is held back: empty (until it has content) or changed (from now on)
//	watch_build_started ready, held                                            files are whole: a build runs for the ready ones, holding back the others
//	watch_build_done   run_id, files, records, quarantined, models, seconds, warnings
//	watch_build_failed waiting, error                                          a build of watch failed; watching goes on
//	watch_poll_failed  error                                                   the bronze folder could not be read
//	watch_lag          source, topic, partitions                               the messages of each partition the published build has not read (when it changes)
//	watch_stopped                                                              watch stopped (Ctrl-C)
//	run_finished       command, status, exit_code, error, seconds              the last event: status success, blocked, failed or cancelled, as the exit code says
//
// status in run_finished is success (exit code 0), blocked (1: a blocking
// check, the quarantine gate or the reconciliation refused publication;
// nothing was published), failed (1, or 2 for a usage error) or cancelled
// (130).
package event

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Schema names the JSON schema of events and its version.
const Schema = "elt.event/1"

// Event is one thing the engine says, with its figures.
type Event interface {
	// Name is the event's name in the JSON schema ("model_done").
	Name() string
}

// Reporter is told each event, in order, from one goroutine at a time.
type Reporter interface {
	Report(Event)
}

// Func is a function that is a Reporter.
type Func func(Event)

// Report calls f.
func (f Func) Report(e Event) { f(e) }

// Discard is a Reporter that drops every event.
var Discard Reporter = Func(func(Event) {})

// Or is r, or Discard when r is nil.
func Or(r Reporter) Reporter {
	if r == nil {
		return Discard
	}
	return r
}

// Recorder is a Reporter that keeps the events, safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Report keeps e.
func (r *Recorder) Report(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// Events are the events kept so far.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// TimeFormat is how Encode writes the time: RFC 3339 in UTC, with
// milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Encode writes e reported at t as one line of JSON (without the newline):
// schema, event and time first, then e's fields.
func Encode(t time.Time, e Event) ([]byte, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("event %s is not a JSON object", e.Name())
	}
	head := fmt.Sprintf(`{"schema":%q,"event":%q,"time":%q`, Schema, e.Name(), t.UTC().Format(TimeFormat))
	if string(body) == "{}" {
		return []byte(head + "}"), nil
	}
	return append([]byte(head+","), body[1:]...), nil
}

// Run statuses, as run_finished says them.
const (
	Success   = "success"
	Blocked   = "blocked"
	Failed    = "failed"
	Cancelled = "cancelled"
)
