package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// What source infer prints pastes under the sources: elt.yaml already has
// (it printed a sources: key of its own: "mapping key sources already
// defined"), indented as elt.yaml indents its entries.
func TestInferPastesUnderSources(t *testing.T) {
	for _, tc := range []struct{ name, yaml, indent string }{
		{"two spaces", "version: 1\nsources:\n  other:\n    format: csv\n    path: other\n    fields:\n      - {name: a, type: text}\n", "  "},
		{"four spaces", "version: 1\nsources:\n    other:\n        format: csv\n        path: other\n        fields:\n            - {name: a, type: text}\n", "    "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proj := t.TempDir()
			testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), tc.yaml)
			testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "other", "o.csv"), "a\nx\n")
			testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "customers", "c.csv"), "customer_id,name\nc1,Ana\n")
			out := mustElt(t, "--project", proj, "source", "infer", filepath.Join(proj, "data", "bronze", "customers"))
			if strings.Contains(out, "\nsources:") || strings.HasPrefix(out, "sources:") || !strings.Contains(out, "\n"+tc.indent+"customers:\n"+tc.indent+tc.indent[:2]+"format: csv") {
				t.Fatalf("infer printed:\n%s", out)
			}
			appendFile(t, filepath.Join(proj, "elt.yaml"), out)
			out = mustElt(t, "--project", proj, "build")
			if !strings.Contains(out, "customers") {
				t.Errorf("the build after pasting:\n%s", out)
			}
		})
	}
}

// In a project whose elt.yaml has no sources: yet, what infer prints
// carries the key, and appended to elt.yaml it builds.
func TestInferPrintsSourcesWhenMissing(t *testing.T) {
	proj := t.TempDir()
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), "version: 1\n")
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "c", "c.csv"), "k\nx\n")
	out := mustElt(t, "--project", proj, "source", "infer", filepath.Join(proj, "data", "bronze", "c"))
	if !strings.Contains(out, "\nsources:\n  c:\n    format: csv\n") {
		t.Fatalf("infer printed:\n%s", out)
	}
	appendFile(t, filepath.Join(proj, "elt.yaml"), out)
	mustElt(t, "--project", proj, "build")
}

// infer, then build, must accept the config: for samples that are all
// quarantined (it wrote max_quarantine_pct: 101), with header names that
// need column:, NDJSON, and a single file; --write merges them into
// elt.yaml (made when missing) keeping its comments and blank lines.
func TestInferWriteThenBuild(t *testing.T) {
	proj := t.TempDir()
	head := "# my project\nversion: 1   # kept\n\n# the sources follow\n"
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), head)
	bronze := filepath.Join(proj, "data", "bronze")
	testutil.WriteFile(t, filepath.Join(bronze, "allbad", "x.csv"), "a,b\n1,2,3\n4,5,6\n")
	testutil.WriteFile(t, filepath.Join(bronze, "odd", "x.csv"), "Customer ID,Total (EUR),when\nc1,1.50,2026-01-02\nc2,2.25,2026-01-03\n")
	testutil.WriteFile(t, filepath.Join(bronze, "events", "e.ndjson"), `{"id": 1, "tags": ["a"], "at": "2026-01-02 10:00:00"}`+"\n"+`{"id": 2, "tags": [], "at": "2026-01-02 11:00:00"}`+"\n")
	testutil.WriteFile(t, filepath.Join(bronze, "single", "part.csv"), "k,v\n1,a\n")
	// Names that make the same identifier, bronze's own column names, and
	// a JSON key with no name (it broke infer with a binder error).
	testutil.WriteFile(t, filepath.Join(bronze, "clash", "c.ndjson"), `{"a b": 1, "A_B": 2, "": 3}`+"\n")
	testutil.WriteFile(t, filepath.Join(bronze, "own", "o.csv"), "_file,_line,line\nx,1,3\n")
	var paths []string
	for _, n := range []string{"allbad", "odd", "events", "single/part.csv", "clash", "own"} {
		paths = append(paths, filepath.Join(bronze, n))
		name := strings.TrimSuffix(filepath.Base(n), ".csv") // a file's source is named for the file
		testutil.WriteFile(t, filepath.Join(proj, "models", "raw", name+".sql"), "SELECT * FROM bronze."+name+"\n")
	}
	out := mustElt(t, append([]string{"--project", proj, "source", "infer", "--write"}, paths...)...)
	if !strings.Contains(out, "wrote 6 sources into elt.yaml's sources:") || !strings.Contains(out, "max_quarantine_pct: 100\n") ||
		!strings.Contains(out, `{name: a_b, type: integer, column: "a b", required: true}`) || !strings.Contains(out, "{name: a_b_2, type: integer, column: A_B, required: true}") ||
		!strings.Contains(out, "{name: line_2, type: integer, column: line, required: true}") ||
		!strings.Contains(out, `# a key with no name ("") is in the sample: it cannot be declared, so its values are not read`) {
		t.Errorf("infer --write printed:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(proj, "elt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), head+"\nsources:\n  allbad:\n") {
		t.Errorf("elt.yaml after --write:\n%s", b)
	}
	code, out, errs := elt(t, "--project", proj, "build")
	if code != 0 || strings.Contains(errs, "elt.yaml:") || !strings.Contains(out, "Done: 6 models built") {
		t.Errorf("build after infer --write: exit %d\n%s%s\nelt.yaml:\n%s", code, out, errs, b)
	}
	if got := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT a_b, a_b_2 FROM raw.clash"); got != "a_b,a_b_2\n1,2\n" {
		t.Errorf("raw.clash: %s", got)
	}
	// A second --write of a source already declared changes nothing.
	code, _, errs = elt(t, "--project", proj, "source", "infer", "--write", filepath.Join(bronze, "odd"))
	if code != 1 || !strings.Contains(errs, "source odd is already declared") {
		t.Errorf("a second --write: exit %d\n%s", code, errs)
	}
	if after, _ := os.ReadFile(filepath.Join(proj, "elt.yaml")); string(after) != string(b) {
		t.Errorf("a refused --write changed elt.yaml:\n%s", after)
	}
}

// --write splices the entries in after the last source, before the next
// section and the comments that lead it.
func TestInferWriteKeepsLayout(t *testing.T) {
	proj := t.TempDir()
	text := "version: 1\n\nsources:\n  # the first\n  other:\n    format: csv\n    path: other\n    fields:\n      - {name: a, type: \"decimal(10,2)\"}  # money\n\n# models follow\nmodels:\n  materialized: table\n"
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), text)
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "other", "o.csv"), "a\n1.5\n")
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "more", "m.csv"), "k\nx\n")
	mustElt(t, "--project", proj, "source", "infer", "--write", filepath.Join(proj, "data", "bronze", "more"))
	b, err := os.ReadFile(filepath.Join(proj, "elt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := "version: 1\n\nsources:\n  # the first\n  other:\n    format: csv\n    path: other\n    fields:\n      - {name: a, type: \"decimal(10,2)\"}  # money\n" +
		"  more:\n    format: csv\n    path: more\n    fields:\n      - {name: k, type: text, required: true}\n" +
		"\n# models follow\nmodels:\n  materialized: table\n"
	if string(b) != want {
		t.Errorf("elt.yaml after --write:\n%s\nwant:\n%s", b, want)
	}
	mustElt(t, "--project", proj, "build")
}

// A 3 MB line in a sampled file is sampled (its quote never closed, it is
// what the sample quarantines) and not printed whole anywhere.
func TestInferCutsLongLines(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "big", "big.csv"), "a,b\n1,x\n2,\""+strings.Repeat("y", 3<<20)+"\n3,z\n")
	code, out, errs := elt(t, "--project", dir, "source", "infer", filepath.Join(dir, "big"))
	if code != 0 || len(errs)+len(out) > 4000 || !strings.Contains(out, "1 malformed_csv") {
		t.Errorf("infer of a 3 MB line: exit %d, %d bytes of message:\n%.3000s%s", code, len(errs), errs, out)
	}
}

// --write works after the paths too, as every flag does.
func TestInferWriteAfterPaths(t *testing.T) {
	proj := t.TempDir()
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), "version: 1\n")
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "c", "c.csv"), "k\nx\n")
	out := mustElt(t, "--project", proj, "source", "infer", filepath.Join(proj, "data", "bronze", "c"), "--write")
	if !strings.Contains(out, "wrote 1 source into elt.yaml's sources:") {
		t.Errorf("infer PATH --write:\n%s", out)
	}
}

// A folder outside the project's bronze folder would be declared by a
// path: the build cannot find: --write refuses it, printing says so.
func TestInferOutsideBronze(t *testing.T) {
	proj := t.TempDir()
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), "version: 1\n")
	elsewhere := filepath.Join(t.TempDir(), "things")
	testutil.WriteFile(t, filepath.Join(elsewhere, "t.csv"), "a\n1\n")
	out := mustElt(t, "--project", proj, "source", "infer", elsewhere)
	if !strings.Contains(out, "is not a folder under the bronze folder") {
		t.Errorf("infer of a folder outside bronze:\n%s", out)
	}
	code, _, errs := elt(t, "--project", proj, "source", "infer", "--write", elsewhere)
	if code != 1 || !strings.Contains(errs, "is not under the bronze folder") {
		t.Errorf("--write of a folder outside bronze: exit %d\n%s", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(proj, "elt.yaml")); string(b) != "version: 1\n" {
		t.Errorf("elt.yaml changed:\n%s", b)
	}
}
