package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/event"
)

// What changes from run to run in a JSON event line.
var (
	eventTimeRe    = regexp.MustCompile(`"time":"[^"]*"`)
	eventSecondsRe = regexp.MustCompile(`"seconds":[-+0-9.eE]+`)
	eventVersionRe = regexp.MustCompile(`"version":"[^"]*"`)
)

// TestEventsGolden runs each case of testdata/events (a build of its
// project with --log-format json) and compares the JSON stream on stderr,
// with times, durations, the version and the temporary folder normalised,
// to the case's events file (go test -update rewrites it). Every line must
// be one JSON object of schema elt.event/1 with an RFC 3339 time, stdout
// must stay empty, and the last event must be run_finished with the status
// and exit code elt exited with.
func TestEventsGolden(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "events")
	cases, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		dir := filepath.Join(root, c.Name())
		t.Run(c.Name(), func(t *testing.T) {
			argLine, err := os.ReadFile(filepath.Join(dir, "args"))
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			bronze := filepath.Join(tmp, "bronze")
			caseDir, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, "bronze")); err == nil {
				bronze = filepath.Join(caseDir, "bronze")
			}
			args := append([]string{"elt", "--log-format", "json", "--project", filepath.Join(dir, "project"), "--warehouse", filepath.Join(tmp, "w.duckdb"),
				"--bronze", bronze, "--output", filepath.Join(tmp, "out")}, splitArgs(strings.TrimSpace(string(argLine)))...)
			var out, errb bytes.Buffer
			code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
			if out.Len() > 0 {
				t.Errorf("stdout is not empty with --log-format json:\n%s", out.String())
			}
			lines := strings.Split(strings.TrimSuffix(errb.String(), "\n"), "\n")
			var last map[string]any
			for i, line := range lines {
				var obj map[string]any
				if err := json.Unmarshal([]byte(line), &obj); err != nil {
					t.Fatalf("line %d is not JSON (%v): %s", i+1, err, line)
				}
				if obj["schema"] != event.Schema || obj["event"] == "" {
					t.Errorf("line %d has schema %v, event %v: %s", i+1, obj["schema"], obj["event"], line)
				}
				if _, err := time.Parse(time.RFC3339, obj["time"].(string)); err != nil {
					t.Errorf("line %d: time is not RFC 3339: %v", i+1, err)
				}
				last = obj
			}
			if last["event"] != "run_finished" {
				t.Fatalf("the last event is %v, not run_finished", last["event"])
			}
			if got := int(last["exit_code"].(float64)); got != code {
				t.Errorf("run_finished says exit code %d, elt exited %d", got, code)
			}
			if want := map[int][]string{ExitOK: {event.Success}, ExitFailure: {event.Blocked, event.Failed}}[code]; !strings.Contains(strings.Join(want, " "), last["status"].(string)) {
				t.Errorf("run_finished says status %v for exit code %d", last["status"], code)
			}
			got := errb.String()
			got = strings.ReplaceAll(strings.ReplaceAll(got, tmp, "$TMP"), caseDir, "$CASE")
			got = eventTimeRe.ReplaceAllString(got, `"time":"TIME"`)
			got = eventSecondsRe.ReplaceAllString(got, `"seconds":0`)
			got = eventVersionRe.ReplaceAllString(got, `"version":"VERSION"`)
			got += "exit " + strconv.Itoa(code) + "\n"
			path := filepath.Join(dir, "events")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/cli -run TestEventsGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("the events differ\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}
