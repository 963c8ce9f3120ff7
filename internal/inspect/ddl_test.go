package inspect

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// copyTree copies every file under from to the same place under to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(from, p)
			testutil.CopyFile(t, p, filepath.Join(to, rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDDLSameOnAnyWarehouse: the Redshift DDL is the project's, not the
// data's. The DDL made for the repository's project (with
// testdata/conformance/elt.yaml) is what its committed design/ files hold
// (elt ddl --check), with the same text, whether its warehouse was built
// from empty bronze folders or from each conformance case (before, a case's
// short ids gave user_id VARCHAR(16) and the check failed).
func TestDDLSameOnAnyWarehouse(t *testing.T) {
	ctx := context.Background()
	root := testutil.RepoRoot(t)
	proj := t.TempDir()
	testutil.CopyFile(t, filepath.Join(root, "testdata", "conformance", "elt.yaml"), filepath.Join(proj, "elt.yaml"))
	copyTree(t, filepath.Join(root, "models"), filepath.Join(proj, "models"))
	copyTree(t, filepath.Join(root, "design"), filepath.Join(proj, "design"))
	ddl := func(t *testing.T, bronze string) string {
		t.Helper()
		o := project.Overrides{Bronze: bronze, Warehouse: filepath.Join(t.TempDir(), "w.duckdb")}
		p, err := project.Load(proj, o)
		if err != nil {
			t.Fatal(err)
		}
		db, err := state.Open(ctx, p, state.Write)
		if err != nil {
			t.Fatal(err)
		}
		b := &build.Builder{Project: p, DB: db, Out: io.Discard}
		_, err = b.Run(ctx, build.Options{})
		db.Close()
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		res, err := DDL(ctx, proj, o, nil, nil, DDLOptions{})
		if err != nil {
			t.Fatalf("ddl: %v", err)
		}
		if len(res.Files) == 0 {
			t.Fatal("no DDL files")
		}
		if stale := StaleDDL(res.Files); len(stale) > 0 {
			t.Errorf("out of date: %s", strings.Join(stale, ", "))
		}
		var text strings.Builder
		for _, f := range res.Files {
			text.WriteString(f.Text)
		}
		return text.String()
	}
	empty := t.TempDir()
	for _, src := range []string{"events", "transactions", "users"} {
		if err := os.MkdirAll(filepath.Join(empty, src), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := ddl(t, empty)
	if !strings.Contains(want, "CREATE TABLE IF NOT EXISTS silver.events") {
		t.Fatalf("no DDL of silver.events:\n%s", want)
	}
	for _, dir := range testutil.ConformanceCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			testutil.SkipPending(t, dir)
			if got := ddl(t, filepath.Join(dir, "bronze")); got != want {
				t.Errorf("DDL differs from the empty warehouse's:\n%s", testutil.Diff("empty", want, filepath.Base(dir), got))
			}
		})
	}
}
