package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestReadmeWalkthrough runs the README's "Five minutes with elt" as
// written, in its order, on a fresh project: each line of its sh blocks in
// a shell (elt being this test binary), what its prose says to do by hand
// between them (paste what source infer prints under sources: and add
// key: customer_id; save the SQL block where it says), and checks what
// each step promises. Every command must exit 0, but for elt show and
// elt checks suggest before the build that makes what they read: those
// must say to run `elt build` first, and exit 1.
func TestReadmeWalkthrough(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	start := strings.Index(section, "## Five minutes with elt")
	if start < 0 {
		t.Fatal("README.md has no section \"Five minutes with elt\"")
	}
	section = section[start+3:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	save := regexp.MustCompile("Save it as `([^`]+)`").FindStringSubmatch(section)
	if save == nil {
		t.Fatal("the walkthrough no longer says where to save the model (\"Save it as `…`\")")
	}
	if !strings.Contains(section, "Paste what it prints under `sources:`") || !regexp.MustCompile("add `key:\\s+customer_id`").MatchString(section) {
		t.Fatal("the walkthrough no longer says to paste the inferred source under sources: with key: customer_id")
	}

	// elt is this test binary, behaving as the command.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	testutil.WriteFile(t, filepath.Join(bin, "elt"), "#!/bin/sh\nELT_TEST_MAIN=1 exec '"+self+"' \"$@\"\n")
	if err := os.Chmod(filepath.Join(bin, "elt"), 0o755); err != nil {
		t.Fatal(err)
	}
	cwd := t.TempDir()
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "NO_COLOR=1")
	built := map[string]bool{} // what the last successful build had: the model files
	outputs := map[string]string{}
	run := func(line string) {
		for _, cmd := range strings.Split(line, " && ") {
			cmd = strings.TrimSpace(cmd)
			if dir, ok := strings.CutPrefix(cmd, "cd "); ok {
				cwd = filepath.Join(cwd, dir)
				continue
			}
			sh := exec.Command("sh", "-c", cmd)
			sh.Dir, sh.Env = cwd, env
			var out, errb bytes.Buffer
			sh.Stdout, sh.Stderr = &out, &errb
			err := sh.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			name := strings.Fields(cmd)
			ahead := (strings.HasPrefix(cmd, "elt show") || strings.HasPrefix(cmd, "elt checks suggest")) && !built[save[1]]
			switch {
			case code == 0:
			case ahead && code == 1 && strings.Contains(errb.String(), "run `elt build` first") && !strings.Contains(errb.String(), "Error:"):
				t.Logf("%s before a build says what to run first:\n%s", cmd, errb.String())
			default:
				t.Fatalf("README step %q: exit %d\n%s%s", cmd, code, out.String(), errb.String())
			}
			if len(name) > 0 && name[0] == "elt" && name[1] == "build" && code == 0 {
				if _, err := os.Stat(filepath.Join(cwd, save[1])); err == nil {
					built[save[1]] = true
				}
			}
			outputs[cmd] += out.String()
			if strings.HasPrefix(cmd, "elt source infer") {
				paste(t, filepath.Join(cwd, "elt.yaml"), out.String())
			}
		}
	}
	fence := regexp.MustCompile("(?s)```(sh|sql)\n(.*?)```")
	for _, m := range fence.FindAllStringSubmatch(section, -1) {
		if m[1] == "sql" {
			testutil.WriteFile(t, filepath.Join(cwd, save[1]), m[2])
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(m[2]), "\n") {
			run(line)
		}
	}

	// What the walkthrough promises.
	first := ""
	for cmd, out := range outputs {
		if strings.HasPrefix(cmd, "elt build") {
			first += out
		}
	}
	if !regexp.MustCompile(`orders\s+84\s+80\s+2\s+2\s+ok`).MatchString(first) {
		t.Errorf("the build does not reconcile 84 read, 80 in silver, 2 superseded, 2 quarantined:\n%s", first)
	}
	if !strings.Contains(first, "customer_revenue") {
		t.Errorf("the last build did not build the new model:\n%s", first)
	}
	for cmd, want := range map[string]string{
		"elt query -f sql/revenue_by_day.sql":                                          "2026-11-01",
		"elt query \"SELECT country, revenue_eur FROM gold.customer_revenue LIMIT 3\"": "IN",
	} {
		if !strings.Contains(outputs[cmd], want) {
			t.Errorf("%s printed:\n%s", cmd, outputs[cmd])
		}
	}
	if _, err := os.Stat(filepath.Join(cwd, "data", "out", "docs", "index.html")); err != nil {
		t.Errorf("elt docs wrote no data/out/docs/index.html: %v", err)
	}
}

// paste does what the README says to do with what elt source infer
// printed: paste it under sources: in elt.yaml, and add key: customer_id
// to the source.
func paste(t *testing.T, path, printed string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "\nsources:\n")
	if i < 0 {
		t.Fatalf("elt.yaml has no sources: to paste under:\n%s", text)
	}
	i += len("\nsources:\n")
	entry := regexp.MustCompile(`(?m)^(\s+)customers:\n`).FindStringSubmatchIndex(printed)
	if entry == nil {
		t.Fatalf("source infer printed no customers entry:\n%s", printed)
	}
	indent := printed[entry[2]:entry[3]]
	withKey := printed[:entry[1]] + indent + "  key: customer_id\n" + printed[entry[1]:]
	testutil.WriteFile(t, path, text[:i]+withKey+text[i:])
}
