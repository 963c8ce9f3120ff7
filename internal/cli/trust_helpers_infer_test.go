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
	out := mustElt(t, "--project", proj, "source", "infer", "--write",
		filepath.Join(bronze, "allbad"), filepath.Join(bronze, "odd"), filepath.Join(bronze, "events"), filepath.Join(bronze, "single", "part.csv"))
	if !strings.Contains(out, "wrote 4 sources into elt.yaml's sources:") || !strings.Contains(out, "max_quarantine_pct: 100\n") {
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
	if code != 0 || strings.Contains(errs, "elt.yaml:") {
		t.Errorf("build after infer --write: exit %d\n%s%s\nelt.yaml:\n%s", code, out, errs, b)
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

// A 3 MB line in a sampled file is not printed whole in the error.
func TestInferCutsLongLines(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "big", "big.csv"), "a,b\n1,x\n2,\""+strings.Repeat("y", 3<<20)+"\n3,z\n")
	code, out, errs := elt(t, "--project", dir, "source", "infer", filepath.Join(dir, "big"))
	if code != 1 || len(errs) > 4000 || !strings.Contains(errs, "characters more)") {
		t.Errorf("infer of a 3 MB line: exit %d, %d bytes of message:\n%.3000s%s", code, len(errs), errs, out)
	}
}
