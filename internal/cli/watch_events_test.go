package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestWatchEventsJSON: elt watch --log-format json says, one JSON object a
// line on stderr, that it started, each build (with the build's own
// events: its models) and that it stopped; run_finished comes last.
func TestWatchEventsJSON(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\nsources:\n  things:\n    format: ndjson\n    fields:\n"+
		"      - {name: id, type: id, required: true}\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "silver", "things.sql"), "/* materialized: table */\nSELECT id FROM bronze.things\n")
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "things", "a.json"), "{\"id\": \"x1\"}\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"elt", "--project", dir, "--log-format", "json", "watch", "--interval", "100ms"}, strings.NewReader(""), &out, &errb)
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(errb.String(), `"event":"watch_build_done"`); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no watch_build_done:\n%s", errb.String())
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	if out.String() != "" {
		t.Errorf("stdout is not empty: %q", out.String())
	}
	var names []string
	var last map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(errb.String(), "\n"), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("not JSON (%v): %s", err, line)
		}
		names = append(names, obj["event"].(string))
		last = obj
	}
	got := strings.Join(names, " ")
	for _, want := range []string{"run_started watch_started watch_build_started build_started source_ingested", "model_done", "watch_build_done", "watch_stopped run_finished"} {
		if !strings.Contains(got, want) {
			t.Errorf("events %s: no %s", got, want)
		}
	}
	if last["status"] != "success" || last["exit_code"] != 0.0 || last["command"] != "watch" {
		t.Errorf("last event %v", last)
	}
}
