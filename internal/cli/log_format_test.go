package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogFormat: --log-format takes terminal, plain or json, and nothing
// else (a usage error, said as text); with json, even a usage error of the
// command ends in run_finished (status failed, exit code 2) and stderr
// holds nothing but JSON lines; plain writes what terminal writes off a
// terminal.
func TestLogFormat(t *testing.T) {
	proj := filepath.Join("..", "..", "testdata", "e2e", "diamond-ls", "project")
	code, _, errs := elt(t, "--project", proj, "--log-format", "xml", "ls")
	if code != ExitUsage || !strings.Contains(errs, "--log-format takes terminal, plain or json") {
		t.Errorf("--log-format xml: exit %d, %q", code, errs)
	}
	code, out, errs := elt(t, "--project", proj, "--log-format", "json", "build", "extra")
	if code != ExitUsage || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	var last map[string]any
	for _, l := range lines {
		if err := json.Unmarshal([]byte(l), &last); err != nil {
			t.Fatalf("stderr is not JSON lines: %q", errs)
		}
	}
	if last["event"] != "run_finished" || last["status"] != "failed" || last["exit_code"] != 2.0 ||
		!strings.Contains(last["error"].(string), "build takes no arguments") {
		t.Errorf("last event %v", last)
	}
	tmp := t.TempDir()
	build := func(format ...string) string {
		args := append(format, "--project", proj, "--warehouse", filepath.Join(tmp, "w.duckdb"), "--bronze", tmp, "build")
		return secondsRe.ReplaceAllString(mustElt(t, args...), "X.XXs")
	}
	plain, term := build("--log-format", "plain"), build()
	if plain != strings.ReplaceAll(term, "run 2", "run 1") || !strings.Contains(plain, "4/4  top.joined") {
		t.Errorf("plain %q, terminal (off a terminal) %q", plain, term)
	}
}
