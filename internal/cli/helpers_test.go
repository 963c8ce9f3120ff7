package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// The helpers the CLI's tests share: running elt in-process, and the
// projects they run it on.

// repoRoot is the project at the top of this repository (elt.yaml, models/).
func repoRoot(t *testing.T) string {
	t.Helper()
	return testutil.RepoRoot(t)
}

// conformanceProject is the repository's models with testdata/conformance/
// elt.yaml, whose sources accept any share of quarantined records.
func conformanceProject(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	proj := copyProject(t, root, t.TempDir())
	testutil.CopyFile(t, filepath.Join(root, "testdata", "conformance", "elt.yaml"), filepath.Join(proj, "elt.yaml"))
	return proj
}

// elt runs the CLI in-process and returns its exit code and output.
func elt(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"elt"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// mustElt runs the CLI in-process and fails the test unless it exits 0;
// it returns what it printed on stdout.
func mustElt(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := elt(t, args...)
	if code != 0 {
		t.Fatalf("elt %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// minimalProject writes a project with one model under dir.
func minimalProject(t *testing.T, dir string) string {
	t.Helper()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "one.sql"), "/* materialized: table */\nSELECT 1 AS id\n")
	return dir
}

// copyProject copies elt.yaml and models/ of a project into dir.
func copyProject(t *testing.T, from, dir string) string {
	t.Helper()
	testutil.CopyFile(t, filepath.Join(from, "elt.yaml"), filepath.Join(dir, "elt.yaml"))
	copyDir(t, from, dir, "models")
	return dir
}

// copyDir copies the folder sub of a project into dir.
func copyDir(t *testing.T, from, dir, sub string) {
	t.Helper()
	testutil.CopyTree(t, filepath.Join(from, sub), filepath.Join(dir, sub))
}

// TestMain lets the test binary stand in for elt itself (ELT_TEST_MAIN=1),
// for the benchmark's hand-written DuckDB baseline (ELT_TEST_BASELINE=
// script), or for a running build: with ELT_TEST_HOLD=path it opens that
// warehouse for writing and waits.
func TestMain(m *testing.M) {
	// ELT_TEST_MAIN=1: behave as the elt command (for tests that kill it).
	if os.Getenv("ELT_TEST_MAIN") == "1" {
		code := Main(append([]string{"elt"}, os.Args[1:]...), os.Stdin, os.Stdout, os.Stderr)
		writePeak()
		os.Exit(code)
	}
	if script := os.Getenv("ELT_TEST_BASELINE"); script != "" {
		code := runBaseline(script)
		writePeak()
		os.Exit(code)
	}
	if path := os.Getenv("ELT_TEST_HOLD"); path != "" {
		db, err := warehouse.Open(context.Background(), path, warehouse.Options{})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("ready")
		bufio.NewReader(os.Stdin).ReadString('\n') // until the test closes stdin
		db.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// pipelineProject is the repository's project with a little generated
// bronze, built once.
func pipelineProject(t *testing.T) string {
	t.Helper()
	proj := copyProject(t, repoRoot(t), t.TempDir())
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "1500", "--users", "40", "--days", "2")
	mustElt(t, "--project", proj, "build")
	return proj
}

// quote writes a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
