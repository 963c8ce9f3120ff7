package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// engineTargets are the targets the golden files of testdata/engine are
// compiled for.
const engineTargets = `
targets:
  pg:
    engine: postgres
  rs:
    engine: redshift
    load: {stage: "s3://example-bucket/elt-stage", iam_role: "arn:aws:iam::123456789012:role/elt-load"}
`

// duckdbOnly are DuckDB functions and clauses the other engines lack: no
// translated model may hold one.
var duckdbOnly = regexp.MustCompile(`(?i)\b(arg_min|arg_max|getvariable|strftime|regexp_matches|regexp_full_match|epoch_ms|to_seconds|to_minutes|list|list_transform|struct_pack|map|to_json|qualify|exclude)\s*\(|\bQUALIFY\b|\bGROUP BY ALL\b|::`)

// TestEngineGolden compiles the shipped models and the elt init starter
// for PostgreSQL and Redshift (elt compile --target) and compares with
// testdata/engine/ (go test -update rewrites them); no DuckDB-only
// function or clause may be left in them.
func TestEngineGolden(t *testing.T) {
	root := repoRoot(t)
	starter := filepath.Join(t.TempDir(), "starter")
	mustElt(t, "init", starter)
	for _, c := range []struct{ name, proj string }{
		{"models", copyProject(t, root, t.TempDir())},
		{"starter", starter},
	} {
		addTargets(t, c.proj, engineTargets)
		for _, target := range []string{"pg", "rs"} {
			engine := map[string]string{"pg": "postgres", "rs": "redshift"}[target]
			got := mustElt(t, "--project", c.proj, "--target", target, "compile")
			path := filepath.Join(root, "testdata", "engine", c.name+"."+engine+".sql")
			if *update {
				testutil.WriteFile(t, path, got)
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./internal/cli -run TestEngineGolden -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs (go test ./internal/cli -run TestEngineGolden -update rewrites it):\n%s", path, testutil.Diff(path, string(want), "got", got))
			}
			for i, line := range strings.Split(got, "\n") {
				if strings.HasPrefix(line, "--") {
					continue
				}
				if m := duckdbOnly.FindString(line); m != "" {
					t.Errorf("%s:%d: DuckDB-only %q left in the %s SQL: %s", path, i+1, m, engine, line)
				}
			}
		}
	}
}

// addTargets adds the targets of text (a targets: section) to the
// project's elt.yaml, under its own targets: when it has one.
func addTargets(t *testing.T, proj, text string) {
	t.Helper()
	path := filepath.Join(proj, "elt.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	if strings.Contains(cfg, "\ntargets:\n") {
		cfg = strings.Replace(cfg, "\ntargets:\n", "\n"+strings.TrimLeft(text, "\n"), 1)
	} else {
		cfg += text
	}
	testutil.WriteFile(t, path, cfg)
}
