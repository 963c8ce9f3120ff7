package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/testutil"
)

// varsProject is a project whose one model shows the variables x, a and b,
// with a target prod that sets x to 2.
func varsProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\ntargets:\n  prod: {vars: {x: 2}}\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "v.sql"),
		"/* materialized: table */\nSELECT getvariable('x') AS x, getvariable('a') AS a, getvariable('b') AS b\n")
	return dir
}

// TestGlobalFlagsAfterCommand: every global flag works after the command
// (elt build --var x=1, elt build --target prod, ...), as before it.
func TestGlobalFlagsAfterCommand(t *testing.T) {
	proj := varsProject(t)
	wh := filepath.Join(t.TempDir(), "w.duckdb")
	out := filepath.Join(t.TempDir(), "out")
	bronze := filepath.Join(t.TempDir(), "bronze")
	if err := os.MkdirAll(bronze, 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, errs := elt(t, "build", "--project", proj, "--warehouse", wh, "--output", out, "--bronze", bronze,
		"--var", "x=1", "--trace", "--redis-url", "redis://127.0.0.1:1/0")
	if _, err := os.Stat(wh); err != nil {
		t.Fatalf("build --warehouse after the command: no warehouse at %s (%v)\n%s", wh, err, errs)
	}
	if !strings.Contains(errs, "trace: ") {
		t.Errorf("build --trace after the command printed no trace:\n%s", errs)
	}
	if got := mustElt(t, "query", "SELECT x FROM gold.v", "--project", proj, "--warehouse", wh, "--format", "csv"); got != "x\n1\n" {
		t.Errorf("build --var x=1: x is %q, want 1", got)
	}
	mustElt(t, "build", "--project", proj, "--warehouse", wh, "--target", "prod")
	if got := mustElt(t, "query", "--project", proj, "SELECT x FROM gold.v", "--warehouse", wh, "--format=csv"); got != "x\n2\n" {
		t.Errorf("build --target prod: x is %q, want 2", got)
	}
	// ls, compile and test read the project the same way.
	for _, args := range [][]string{{"ls", "--project", proj}, {"compile", "--var", "x=1", "--project", proj}, {"test", "--project", proj, "--warehouse", wh}} {
		if code, o, e := elt(t, args...); code != 0 {
			t.Errorf("elt %s: exit %d\n%s%s", strings.Join(args, " "), code, o, e)
		}
	}
}

// TestFlagsAfterSQL: a command's flags after its argument are read
// (elt query "SELECT 1" --format csv); -- still ends the flags.
func TestFlagsAfterSQL(t *testing.T) {
	proj := minimalProject(t, t.TempDir())
	mustElt(t, "--project", proj, "build")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"query", "SELECT 1 AS n", "--format", "csv"}, "n\n1\n"},
		{[]string{"query", "SELECT 1 AS n", "--format=json"}, `"n": 1`},
		{[]string{"query", "SELECT 1 AS n", "--project", proj, "--format", "csv"}, "n\n1\n"},
		{[]string{"query", "--format", "csv", "--", "-- a comment\nSELECT 2 AS n"}, "n\n2\n"},
		{[]string{"query", "-- a comment\nSELECT 3 AS n", "--format", "csv"}, "n\n3\n"},
	} {
		code, out, errs := elt(t, append([]string{"--project", proj}, tc.args...)...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("elt %q: exit %d, stdout %q, stderr %q; want %q", tc.args, code, out, errs, tc.want)
		}
	}
	// After --, a flag is an argument: two arguments.
	code, _, errs := elt(t, "--project", proj, "query", "--format", "csv", "--", "SELECT 1", "--all")
	if code != ExitUsage || !strings.Contains(errs, "quote the SQL as one argument") {
		t.Errorf("query -- SELECT 1 --all: exit %d, %s", code, errs)
	}
	// A flag missing its value says so and takes no other word.
	for _, args := range [][]string{{"query", "SELECT 1", "--format"}, {"build", "--var"}} {
		code, _, errs := elt(t, append([]string{"--project", proj}, args...)...)
		if code != ExitUsage || !strings.Contains(errs, "flag needs an argument") {
			t.Errorf("elt %q: exit %d, %s", args, code, errs)
		}
	}
}

// TestIntersperseEveryCommand: for every command and subcommand, each
// global flag written after it (and after an argument) is moved in front
// of it, and a line already in order is left as it is.
func TestIntersperseEveryCommand(t *testing.T) {
	app := newApp(strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
	values := map[string]string{"project": "p", "bronze": "b", "warehouse": "w.duckdb", "output": "o", "redis-url": "redis://h:1/0", "target": "prod", "var": "x=1,y=2", "log-format": "json"}
	var paths [][]string
	for _, c := range app.Commands {
		paths = append(paths, []string{c.Name})
		for _, s := range c.Subcommands {
			paths = append(paths, []string{c.Name, s.Name})
		}
	}
	for _, path := range paths {
		for _, f := range app.Flags {
			name := f.Names()[0]
			flag := []string{"--" + name}
			if v, ok := values[name]; ok {
				flag = append(flag, v)
			}
			want := append(append([]string{"elt"}, flag...), path...)
			got := cmdline.Interspersed(app, append(append([]string{"elt"}, path...), flag...))
			if !slices.Equal(got, want) {
				t.Errorf("%q: got %q, want %q", append(path, flag...), got, want)
			}
			got = cmdline.Interspersed(app, append(append(append([]string{"elt"}, path...), "arg"), flag...))
			if want := append(want, "arg"); !slices.Equal(got, want) {
				t.Errorf("%q after an argument: got %q, want %q", append(path, flag...), got, want)
			}
			if got := cmdline.Interspersed(app, want); !slices.Equal(got, want) {
				t.Errorf("%q in order: got %q", want, got)
			}
		}
	}
}

// TestVarKeepsCommas: --var "a=1,b=2" sets one variable a to "1,b=2".
func TestVarKeepsCommas(t *testing.T) {
	proj := varsProject(t)
	mustElt(t, "--project", proj, "build", "--var", "a=1,b=2")
	if got := mustElt(t, "--project", proj, "query", "SELECT a, b IS NULL AS no_b FROM gold.v", "--format", "csv"); got != "a,no_b\n\"1,b=2\",true\n" {
		t.Errorf("--var a=1,b=2: got %q, want a = 1,b=2 and no b", got)
	}
}

// TestVarNotSQLValue: --var x=.inf (or .nan) is a usage error naming the
// flag, before the warehouse is opened.
func TestVarNotSQLValue(t *testing.T) {
	proj := varsProject(t)
	for _, v := range []string{"x=.inf", "x=-.inf", "x=.nan", "x=.NaN"} {
		code, _, errs := elt(t, "--project", proj, "build", "--var", v)
		if code != ExitUsage || !strings.Contains(errs, "--var x") || strings.Contains(errs, "warehouse") {
			t.Errorf("--var %s: exit %d, %s", v, code, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(proj, "data", "warehouse.duckdb")); err == nil {
		t.Error("the warehouse was created")
	}
	// Quoted, it is text.
	mustElt(t, "--project", proj, "build", "--var", `x=".inf"`)
}
