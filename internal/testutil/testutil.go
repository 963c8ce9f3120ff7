// Package testutil holds helpers shared by the tests: where the repository
// and its conformance cases are.
package testutil

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Pending names the conformance cases this elt does not implement yet, with
// the issue that brings them; their tests are skipped with that reason.
var Pending = map[string]string{}

// RepoRoot is the folder holding go.mod above the test's folder.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// ConformanceDir is the repository's copy of the conformance cases,
// testdata/conformance, or $ELT_CONFORMANCE when set.
func ConformanceDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("ELT_CONFORMANCE"); d != "" {
		return d
	}
	return filepath.Join(RepoRoot(t), "testdata", "conformance")
}

// SharedConformanceDir is ../shared/conformance beside the repository, the
// cases' source, or "" when it is not there (a plain clone).
func SharedConformanceDir(t testing.TB) string {
	t.Helper()
	c := filepath.Join(RepoRoot(t), "..", "shared", "conformance")
	if info, err := os.Stat(c); err == nil && info.IsDir() {
		return c
	}
	return ""
}

// ConformanceCases lists the case folders (those holding expected/) in name
// order.
func ConformanceCases(t testing.TB) []string {
	t.Helper()
	out := CaseDirs(t, ConformanceDir(t))
	if len(out) == 0 {
		t.Fatalf("no conformance cases in %s", ConformanceDir(t))
	}
	return out
}

// CaseDirs lists the folders under root that hold an expected/ folder.
func CaseDirs(t testing.TB, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(root, e.Name(), "expected")); err == nil {
				out = append(out, filepath.Join(root, e.Name()))
			}
		}
	}
	sort.Strings(out)
	return out
}

// SkipPending skips a test of a case this elt does not implement yet.
func SkipPending(t testing.TB, dir string) {
	t.Helper()
	if why, ok := Pending[filepath.Base(dir)]; ok {
		t.Skipf("pending: %s", why)
	}
}

// Models parses models given as "schema.name" → file text, as if read from
// models/<schema>/<name>.sql.
func Models(t testing.TB, defs map[string]string) []*project.Model {
	t.Helper()
	var out []*project.Model
	for id, text := range defs {
		schema, name, _ := strings.Cut(id, ".")
		m, err := project.ParseModel("models/"+schema+"/"+name+".sql", schema, name, text, project.ModelDefaults{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// MemoryDB opens an in-memory DuckDB on one thread, closed when the test
// ends: a parser, or a place to run SQL on rows a test makes.
func MemoryDB(t testing.TB) *warehouse.DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
