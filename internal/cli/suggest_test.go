package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// --write merges the suggestions into the header and keeps every other
// byte: comments, descriptions, the checks written by hand. A second run
// finds nothing new.
func TestSuggestWriteKeepsComments(t *testing.T) {
	root := filepath.Join(repoRoot(t), "testdata", "e2e", "checks-suggest")
	proj := copyProject(t, filepath.Join(root, "project"), t.TempDir())
	mustElt(t, "--project", proj, "build")
	out := mustElt(t, "--project", proj, "checks", "suggest", "--write", "fixture.scores")
	if !strings.Contains(out, "wrote 5 checks into models/fixture/scores.sql") {
		t.Errorf("suggest --write printed:\n%s", out)
	}
	model := filepath.Join(proj, "models", "fixture", "scores.sql")
	got, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(root, "written.sql")
	if *update {
		testutil.WriteFile(t, golden, string(got))
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("the written model differs from %s:\n%s", golden, got)
	}
	// What was there is still there, line for line, in order.
	orig, _ := os.ReadFile(filepath.Join(root, "project", "models", "fixture", "scores.sql"))
	rest := string(got)
	for _, line := range strings.Split(string(orig), "\n") {
		i := strings.Index(rest, line)
		if i < 0 {
			t.Fatalf("the written model lost the line %q", line)
		}
		rest = rest[i+len(line):]
	}
	// The suggestions hold on the data they came from.
	out = mustElt(t, "--project", proj, "build")
	if !strings.Contains(out, "checks: 6 passed, 0 failed") {
		t.Errorf("the build after --write:\n%s", out)
	}
	out = mustElt(t, "--project", proj, "checks", "suggest", "--write", "fixture.scores")
	if !strings.Contains(out, "# nothing new to suggest") || strings.Contains(out, "wrote") {
		t.Errorf("a second suggest --write:\n%s", out)
	}
}

func TestSuggestUsage(t *testing.T) {
	proj := minimalProject(t, t.TempDir())
	for _, args := range [][]string{
		{"checks", "suggest"},
		{"checks", "suggest", "--holdout", "1", "gold.one"},
		{"checks", "suggest", "--holdout", "-0.1", "gold.one"},
	} {
		if code, _, errs := elt(t, append([]string{"--project", proj}, args...)...); code != 2 || !strings.Contains(errs, "elt checks suggest --help") {
			t.Errorf("elt %v: exit %d\n%s", args, code, errs)
		}
	}
	if code, _, errs := elt(t, "--project", proj, "checks", "suggest", "gold.nope"); code != 1 || !strings.Contains(errs, "no model gold.nope") {
		t.Errorf("an unknown model: exit %d\n%s", code, errs)
	}
}
