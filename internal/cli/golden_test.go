package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/e2e")

var (
	secondsRe = regexp.MustCompile(`\d+\.\d+s\b`)
)

// normalise removes what changes from run to run: timings and temp paths.
func normalise(s, tmp string) string {
	s = strings.ReplaceAll(s, tmp, "$TMP")
	return secondsRe.ReplaceAllString(s, "X.XXs")
}

// splitArgs splits an args line at spaces, keeping 'single-quoted' and
// "double-quoted" text whole, as a shell would.
func splitArgs(line string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	any := false
	for _, r := range line {
		switch {
		case quote == 0 && (r == '\'' || r == '"'):
			quote, any = r, true
		case r == quote:
			quote = 0
		case r == ' ' && quote == 0:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

// TestGolden runs each case of testdata/e2e: the CLI, in-process, with the
// case's args ($TMP is the case's temporary folder) against its project and
// a fresh warehouse; stdout, stderr and
// the exit code must match the files beside it (go test -update rewrites them).
func TestGolden(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "e2e")
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
			var out, errb bytes.Buffer
			code := 0
			// One command a line, against the same warehouse; a failing
			// command ends the case.
			// A case with its own bronze/ reads it; the others an empty one.
			bronze := filepath.Join(tmp, "bronze")
			if _, err := os.Stat(filepath.Join(dir, "bronze")); err == nil {
				if bronze, err = filepath.Abs(filepath.Join(dir, "bronze")); err != nil {
					t.Fatal(err)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(string(argLine)), "\n") {
				args := append([]string{"elt", "--project", filepath.Join(dir, "project"), "--warehouse", filepath.Join(tmp, "w.duckdb"), "--bronze", bronze, "--output", filepath.Join(tmp, "out")},
					splitArgs(strings.ReplaceAll(line, "$TMP", tmp))...)
				if code = Run(context.Background(), args, strings.NewReader(""), &out, &errb); code != 0 {
					break
				}
			}
			got := map[string]string{
				"stdout": normalise(out.String(), tmp),
				"stderr": normalise(errb.String(), tmp),
				"exit":   strconv.Itoa(code) + "\n",
			}
			for _, name := range []string{"stdout", "stderr", "exit"} {
				path := filepath.Join(dir, name)
				if *update {
					if err := os.WriteFile(path, []byte(got[name]), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/cli -run TestGolden -update)", err)
				}
				if got[name] != string(want) {
					t.Errorf("%s differs (go test ./internal/cli -run 'TestGolden/%s$' -update rewrites it):\n%s", name, c.Name(),
						testutil.Diff(path, string(want), "got", got[name]))
				}
			}
		})
	}
}
