package cli

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// Every command's --help shows an example (Example: elt …, several
// separated by "; "), and each works, run from the folder of a built
// project.
func TestHelpExamplesWork(t *testing.T) {
	proj := pipelineProject(t)
	copyDir(t, repoRoot(t), proj, "sql")
	t.Chdir(proj)
	var walk func(path string, cmds []*cli.Command)
	seen := 0
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(path + " " + c.Name)
			if len(c.Subcommands) > 0 {
				walk(name, c.Subcommands)
				continue
			}
			first, _, _ := strings.Cut(c.Description, "\n")
			example, ok := strings.CutPrefix(first, "Example: ")
			if !ok {
				t.Errorf("elt %s --help shows no example (its Description starts with %q)", name, first)
				continue
			}
			if name == "watch" {
				continue // runs until stopped; TestWatch* cover it
			}
			for _, line := range strings.Split(example, "; ") {
				args, ok := strings.CutPrefix(line, "elt ")
				if !ok {
					t.Errorf("elt %s: the example %q does not start with elt", name, line)
					continue
				}
				if code, out, errs := elt(t, splitArgs(args)...); code != 0 {
					t.Errorf("the example of elt %s, %q, exits %d:\n%s%s", name, line, code, out, errs)
				}
				seen++
			}
		}
	}
	walk("", newApp(nil, nil, nil).Commands)
	t.Logf("%d examples ran", seen)
	if seen < 15 {
		t.Errorf("only %d examples ran", seen)
	}
}
