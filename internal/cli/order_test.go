package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/pipeline"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestInsertionOrderComesBack: ingestion lets DuckDB write rows in any
// order, a setting of the whole database that no rollback undoes; after a
// build, failed in the middle of ingestion or not, it is back on for
// whatever runs next on the same database (watch mode's next build).
func TestInsertionOrderComesBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	config := func(check string) {
		testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\nsources:\n  things:\n    format: ndjson\n    fields:\n"+
			"      - {name: id, type: id, required: true, check: \""+check+"\"}\n")
	}
	testutil.WriteFile(t, filepath.Join(dir, "models", "silver", "things.sql"), "/* materialized: table */\nSELECT id FROM bronze.things\n")
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "things", "a.json"), "{\"id\": \"x1\"}\n")
	for _, tc := range []struct {
		check, fails string
	}{
		{"CAST(id AS INTEGER) > 0", "Conversion Error"}, // an error in SQL, midway through ingestion
		{"id <> ''", ""},
	} {
		config(tc.check)
		b := builder(t, dir)
		db := b.DB
		_, err := b.Run(ctx, build.Options{})
		switch {
		case tc.fails == "" && err != nil:
			t.Errorf("check %s: %v", tc.check, err)
		case tc.fails != "" && (err == nil || !strings.Contains(err.Error(), tc.fails)):
			t.Errorf("check %s: got %v, want an error with %q", tc.check, err, tc.fails)
		}
		var v string
		if err := db.QueryRowContext(ctx, "SELECT current_setting('preserve_insertion_order')::VARCHAR").Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != "true" {
			t.Errorf("check %s: after the build, preserve_insertion_order = %s", tc.check, v)
		}
		db.Close()
	}
}

// builder loads the project in dir and opens its warehouse for a build,
// output discarded; the caller closes b.DB.
func builder(t *testing.T, dir string) *build.Builder {
	t.Helper()
	p, err := project.Load(dir, project.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := pipeline.OpenBuilder(context.Background(), p, nil) // no events: they are dropped
	if err != nil {
		t.Fatal(err)
	}
	return b
}
