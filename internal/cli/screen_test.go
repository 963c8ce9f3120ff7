package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// inTmux runs elt with args in a real terminal, a tmux pane of 80×24, and
// returns everything it printed there (scrollback included, wrapped lines
// joined, so a line wider than the pane shows as one long line).
func inTmux(t *testing.T, args ...string) []string {
	t.Helper()
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatal("tmux is not installed: make test installs it (apt-get install tmux)")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	script := fmt.Sprintf("ELT_TEST_MAIN=1 %s %s; echo elt-exit=$?; sleep 600", self, strings.Join(quoted, " "))
	run := func(a ...string) string {
		out, err := exec.Command(tmux, append([]string{"-S", sock, "-f", "/dev/null"}, a...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", a, err, out)
		}
		return string(out)
	}
	run("new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", script)
	t.Cleanup(func() { exec.Command(tmux, "-S", sock, "kill-server").Run() })
	run("set-option", "-g", "history-limit", "100000")
	deadline := time.Now().Add(60 * time.Second)
	for {
		out := run("capture-pane", "-p", "-J", "-S", "-", "-E", "-")
		if strings.Contains(out, "elt-exit=") {
			if !strings.Contains(out, "elt-exit=0") {
				t.Fatalf("elt failed in the pane:\n%s", out)
			}
			return strings.Split(strings.TrimRight(out, "\n"), "\n")
		}
		if time.Now().After(deadline) {
			t.Fatalf("elt did not finish in the pane:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// elt query fits an 80-column terminal: a wide table is shown vertically,
// a long one is cut at 40 rows with the rest counted; piped, nothing is cut.
func TestQueryFitsTheTerminal(t *testing.T) {
	proj := pipelineProject(t)
	fits := func(name string, lines []string) {
		for _, l := range lines {
			if n := utf8.RuneCountInString(l); n > 80 {
				t.Errorf("%s: a line of %d columns in an 80-column pane:\n%s", name, n, l)
			}
		}
	}
	gold := inTmux(t, "--project", proj, "query", "SELECT * FROM gold.user_session_analysis ORDER BY session_id")
	fits("gold", gold)
	all := strings.Join(gold, "\n")
	if !strings.Contains(all, "── row 1 ") || !strings.Contains(all, "user_country       │ ") || !strings.Contains(all, " rows, 40 shown (--limit N or --all for more") {
		t.Errorf("the gold table on a terminal:\n%s", all)
	}
	long := inTmux(t, "--project", proj, "query", "SELECT range AS id, 'row ' || range AS label, range * 0.5 AS half FROM range(200000)")
	fits("200,000 rows", long)
	all = strings.Join(long, "\n")
	if !strings.Contains(all, "│ 39 │ row 39 │") || strings.Contains(all, "│ 40 │") || !strings.Contains(all, "200,000 rows, 40 shown") {
		t.Errorf("200,000 rows on a terminal:\n%s", all)
	}
	if len(long) > 50 {
		t.Errorf("200,000 rows took %d lines of the pane", len(long))
	}
	narrow := inTmux(t, "--project", proj, "query", "SELECT session_id, event_type, repeat('x', 120) AS wide FROM gold.user_session_analysis ORDER BY session_id LIMIT 3")
	fits("a wide column", narrow)
	if all := strings.Join(narrow, "\n"); !strings.Contains(all, "xxx…") || !strings.Contains(all, "┌") {
		t.Errorf("a wide column is cut in the table:\n%s", all)
	}
	// Piped: every row, nothing cut.
	out := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT range AS id, repeat('x', 120) AS wide FROM range(200000)")
	if lines := strings.Count(out, "\n"); lines != 200001 || !strings.Contains(out, strings.Repeat("x", 120)) {
		t.Errorf("piped csv: %d lines", lines)
	}
	if out := mustElt(t, "--project", proj, "query", "--limit", "2", "SELECT range FROM range(10)"); !strings.Contains(out, "10 rows, 2 shown") {
		t.Errorf("--limit 2:\n%s", out)
	}
}
