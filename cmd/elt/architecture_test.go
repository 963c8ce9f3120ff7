package main

import (
	"bufio"
	"go/build"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The house's rules, checked against the code: every package under
// internal/ is in design/architecture.md's table, imports only what its row
// allows, and stays within the limits the design sets.
const (
	module       = "github.com/digitalservices/elt/internal/"
	maxImports   = 8     // packages of ours one package imports, the vocabulary aside
	maxCLI       = 6     // packages of ours cli imports, the vocabulary included, its own (cli/...) aside
	maxLines     = 1_250 // non-test lines of one package ("about 1,200")
	architecture = "../../design/architecture.md"
)

// allowedImports reads the "may import" column of design/architecture.md's
// package table (a row is "| `pkg` | owns | a, b, c |" or "nothing of
// ours") and its line "Vocabulary: `a`, `b`": the packages every package
// may import, which the import limit does not count.
func allowedImports(t *testing.T) (allowed map[string][]string, vocabulary map[string]bool) {
	t.Helper()
	f, err := os.Open(architecture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| `([a-z0-9/]+)` \\|.*\\| ([^|]*) \\|$")
	allowed = map[string][]string{}
	vocabulary = map[string]bool{}
	vocab := regexp.MustCompile("`([a-z0-9/]+)`")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "Vocabulary:"); ok {
			for _, m := range vocab.FindAllStringSubmatch(line, -1) {
				vocabulary[m[1]] = true
			}
			continue
		}
		m := row.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		var deps []string
		if !strings.Contains(m[2], "nothing") {
			for _, d := range strings.Split(m[2], ",") {
				deps = append(deps, strings.Trim(strings.TrimSpace(d), "`"))
			}
		}
		allowed[m[1]] = deps
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(allowed) == 0 || len(vocabulary) == 0 {
		t.Fatalf("%s: no package table or no Vocabulary: line found", architecture)
	}
	return allowed, vocabulary
}

type pkg struct {
	name    string   // path under internal/
	imports []string // ours, as paths under internal/
	duckdb  bool     // imports duckdb-go or its C bindings
	lines   int      // non-test lines
}

// packages lists every package under internal/ with its imports of ours
// (non-test files, for the default build constraints) and its size.
func packages(t *testing.T) []pkg {
	t.Helper()
	var out []pkg
	root := "../../internal"
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || d.Name() == "testdata" {
			if d != nil && d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return err
		}
		bp, err := build.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		p := pkg{name: filepath.ToSlash(rel)}
		for _, imp := range bp.Imports {
			if strings.HasPrefix(imp, "github.com/duckdb/") {
				p.duckdb = true
			}
			if strings.HasPrefix(imp, module) {
				p.imports = append(p.imports, strings.TrimPrefix(imp, module))
			}
		}
		for _, f := range bp.GoFiles {
			b, err := os.ReadFile(filepath.Join(path, f))
			if err != nil {
				return err
			}
			p.lines += strings.Count(string(b), "\n")
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func TestArchitecture(t *testing.T) {
	allowed, vocabulary := allowedImports(t)
	seen := map[string]bool{}
	for _, p := range packages(t) {
		seen[p.name] = true
		may, ok := allowed[p.name]
		if !ok {
			t.Errorf("internal/%s is not in %s's package table: add its row (what it owns, what it may import)", p.name, architecture)
			continue
		}
		var counted []string
		for _, imp := range p.imports {
			switch {
			case vocabulary[imp]:
			case !slices.Contains(may, imp):
				t.Errorf("internal/%s imports internal/%s, which %s does not allow it (may import: %s)", p.name, imp, architecture, strings.Join(may, ", "))
			default:
				counted = append(counted, imp)
			}
		}
		if vocabulary[p.name] && len(p.imports) > 0 {
			t.Errorf("internal/%s is vocabulary, which imports nothing of ours, but imports %s", p.name, strings.Join(p.imports, ", "))
		}
		if p.duckdb && p.name != "warehouse" && !strings.HasPrefix(p.name, "warehouse/") {
			t.Errorf("internal/%s imports duckdb-go: only internal/warehouse and its parts (warehouse/...) may (it is the one cgo package)", p.name)
		}
		if len(counted) > maxImports {
			t.Errorf("internal/%s imports %d packages of ours besides the vocabulary, over the limit of %d: %s", p.name, len(counted), maxImports, strings.Join(counted, ", "))
		}
		if p.name == "cli" {
			var outside []string
			for _, imp := range p.imports {
				if !strings.HasPrefix(imp, "cli/") {
					outside = append(outside, imp)
				}
			}
			if len(outside) > maxCLI {
				t.Errorf("internal/cli imports %d packages of ours besides its own (cli/...), vocabulary included, over the limit of %d: %s", len(outside), maxCLI, strings.Join(outside, ", "))
			}
		}
		if p.lines > maxLines {
			t.Errorf("internal/%s has %d non-test lines, over about %d: split it by job", p.name, p.lines, maxLines)
		}
		t.Logf("%-16s imports %2d of ours (%d besides the vocabulary), %5d lines", p.name, len(p.imports), len(counted), p.lines)
	}
	for name := range allowed {
		if !seen[name] {
			t.Errorf("%s lists internal/%s, which does not exist: remove its row", architecture, name)
		}
	}
}
