package infer

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestInferThenBuild: the sources inferred from each conformance case's
// bronze folders are entries elt build accepts: pasted under sources:, a
// model selecting each source builds over that bronze, and it loads rows.
func TestInferThenBuild(t *testing.T) {
	ctx := context.Background()
	for _, dir := range testutil.ConformanceCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			bronze := filepath.Join(dir, "bronze")
			var paths []string
			for _, s := range []string{"events", "transactions", "users"} {
				paths = append(paths, filepath.Join(bronze, s))
			}
			in, err := Infer(ctx, paths, Options{Indent: 2})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(in.Block, "  events:\n    format: ndjson\n") || !strings.Contains(in.Block, "  transactions:\n    format: csv\n") {
				t.Fatalf("block:\n%s", in.Block)
			}
			proj := t.TempDir()
			testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), "version: 1\nmodels:\n  materialized: table\nsources:\n"+in.Block)
			for _, s := range []string{"events", "transactions", "users"} {
				testutil.WriteFile(t, filepath.Join(proj, "models", "raw", s+".sql"), "SELECT * FROM bronze."+s+"\n")
			}
			p, err := project.Load(proj, project.Overrides{Bronze: bronze})
			if err != nil {
				t.Fatalf("elt.yaml with the inferred sources: %v", err)
			}
			db, err := state.Open(ctx, p, state.Write)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			b := &build.Builder{Project: p, DB: db}
			sum, err := b.Run(ctx, build.Options{})
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if len(sum.Models) != 3 {
				t.Fatalf("built %d models, want 3", len(sum.Models))
			}
			var loaded bool
			if err := db.QueryRowContext(ctx, "SELECT count(*) > 0 FROM raw.events").Scan(&loaded); err != nil || !loaded {
				t.Fatalf("raw.events loaded: %v %v", loaded, err)
			}
		})
	}
}

// TestInferReadsLongLines: Infer samples a CSV with a 3 MB line (which elt
// build ingests) instead of failing with DuckDB's sniffer error and its
// max_line_size, which no user can set.
func TestInferReadsLongLines(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "big")
	var b strings.Builder
	b.WriteString("a,b\n1," + strings.Repeat("x", 3_000_000) + "\n")
	for i := range 5 {
		fmt.Fprintf(&b, "%d,y\n", i)
	}
	testutil.WriteFile(t, filepath.Join(dir, "f.csv"), b.String())
	in, err := Infer(context.Background(), []string{dir}, Options{Indent: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(in.Block, "{name: a, type: integer") || !strings.Contains(in.Block, "{name: b, type: text") {
		t.Errorf("infer:\n%s", in.Block)
	}
}
