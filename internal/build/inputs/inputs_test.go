package inputs

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// TestFresh: a source is fresh (loaded whole, so staged) only when neither
// the manifest nor its bronze table holds anything of it.
func TestFresh(t *testing.T) {
	cases := []struct {
		name  string
		setup string
		fresh bool
	}{
		{"no table, no manifest", "", true},
		{"an empty bronze table", "CREATE TABLE bronze.orders (_file VARCHAR, _line BIGINT)", true},
		{"bronze rows the manifest does not know", "CREATE TABLE bronze.orders (_file VARCHAR, _line BIGINT); INSERT INTO bronze.orders VALUES ('a.csv', 2)", false},
		{"a file in the manifest", `INSERT INTO elt.files (source, file, size, modified_at, fingerprint, records, ingested_at, run_id)
			VALUES ('orders', 'orders/a.csv', 10, now()::TIMESTAMP, 'x', 0, now()::TIMESTAMP, 1)`, false},
		{"another source's file", `INSERT INTO elt.files (source, file, size, modified_at, fingerprint, records, ingested_at, run_id)
			VALUES ('users', 'users/a.csv', 10, now()::TIMESTAMP, 'x', 1, now()::TIMESTAMP, 1)`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := state.Migrate(db.DB); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS bronze"); err != nil {
				t.Fatal(err)
			}
			if c.setup != "" {
				if _, err := db.ExecContext(ctx, c.setup); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Fresh(ctx, db, ingest.Source{Name: "orders"})
			if err != nil || got != c.fresh {
				t.Fatalf("Fresh = %v, %v; want %v", got, err, c.fresh)
			}
		})
	}
}

// TestMissingWarning: the files gone from bronze are listed, ten at most,
// with what became of their records.
func TestMissingWarning(t *testing.T) {
	files := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("events/%02d.ndjson", i))
		}
		return out
	}
	cases := []struct {
		files     []string
		full      bool
		first     string
		lines     int
		lastStart string
	}{
		{files(1), false, "warning: events: 1 ingested file gone from bronze; its records stay in silver and gold:", 2, "    events/00.ndjson"},
		{files(3), true, "warning: events: 3 ingested files gone from bronze; their records were dropped (--accept-missing):", 4, "    events/02.ndjson"},
		{files(12), false, "warning: events: 12 ingested files gone from bronze; their records stay in silver and gold:", 12, "    … and 2 more"},
	}
	for _, c := range cases {
		got := strings.Split(MissingWarning("events", c.files, c.full), "\n")
		if got[0] != c.first || len(got) != c.lines || got[len(got)-1] != c.lastStart {
			t.Errorf("%d files, full %v:\n%s", len(c.files), c.full, strings.Join(got, "\n"))
		}
	}
}
