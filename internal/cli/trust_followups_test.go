package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// The regression tests of what a hostile retry of issue #24 found after
// its fixes.

// TestInferReadsLongLines: elt source infer samples a CSV with a 3 MB line
// (which elt build ingests) instead of failing with DuckDB's sniffer error
// and its max_line_size, which no user can set.
func TestInferReadsLongLines(t *testing.T) {
	proj := minimalProject(t, t.TempDir())
	var b strings.Builder
	b.WriteString("a,b\n1," + strings.Repeat("x", 3_000_000) + "\n")
	for i := range 5 {
		b.WriteString(itoa(i) + ",y\n")
	}
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "big", "f.csv"), b.String())
	out := mustElt(t, "--project", proj, "source", "infer", filepath.Join(proj, "data", "bronze", "big"))
	if !strings.Contains(out, "{name: a, type: integer") || !strings.Contains(out, "{name: b, type: text") {
		t.Errorf("infer:\n%s", out)
	}
}
