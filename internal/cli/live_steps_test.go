package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestLiveSteps: a build tells the terminal each step as it starts, with
// how to read its percentage: for ingestion, the share of the files' bytes
// taken (with the records counted as it goes); for a model, DuckDB's
// estimate for its running statement, within 0-100, or -1 between
// statements.
func TestLiveSteps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\nsources:\n  things:\n    format: ndjson\n    fields:\n"+
		"      - {name: id, type: id, required: true}\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "silver", "things.sql"), "/* materialized: table */\nSELECT id FROM bronze.things\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "counts.sql"), "/* materialized: table */\nSELECT count(*) AS n FROM silver.things\n")
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "things", "a.json"), "{\"id\": \"x1\"}\n{\"id\": \"x2\"}\n")
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "things", "b.json"), "{\"id\": \"x3\"}\n")
	b := builder(t, dir)
	defer b.DB.Close()
	var steps []string
	b.Live = func(step string, percent func() float64) (func(int64), func()) {
		step = strings.Join(strings.Fields(step), " ")
		var rows int64 = -1
		return func(n int64) { rows = n }, func() {
			// Read when the step ends: ingestion has taken every byte; a
			// model's statement has finished.
			steps = append(steps, fmt.Sprintf("%s %.0f%% %d rows", step, percent(), rows))
		}
	}
	if _, err := b.Run(ctx, build.Options{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"ingest things 100% 3 rows", "1/2 silver.things -1% -1 rows", "2/2 gold.counts -1% -1 rows"}
	if !slices.Equal(steps, want) {
		t.Errorf("steps %q, want %q", steps, want)
	}
}
