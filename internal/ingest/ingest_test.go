package ingest

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

func sources(bronze string) []Source {
	return []Source{
		{Name: "events", Dir: filepath.Join(bronze, "events"), Prefix: "events", Format: "ndjson", Contract: Contracts["events"], Patterns: []string{"**/*.json", "**/*.jsonl", "**/*.ndjson"}},
		{Name: "transactions", Dir: filepath.Join(bronze, "transactions"), Prefix: "transactions", Format: "csv", Contract: Contracts["transactions"], Patterns: []string{"**/*.csv"}},
		{Name: "users", Dir: filepath.Join(bronze, "users"), Prefix: "users", Format: "csv", Contract: Contracts["users"], Patterns: []string{"**/*.csv"}},
	}
}

// TestConformanceQuarantine ingests each conformance case and compares the
// quarantine with expected/quarantine.csv.
func TestConformanceQuarantine(t *testing.T) {
	for _, dir := range testutil.ConformanceCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ctx := context.Background()
			db, err := warehouse.Open(ctx, "", warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := state.Migrate(db.DB); err != nil {
				t.Fatal(err)
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			for _, src := range sources(filepath.Join(dir, "bronze")) {
				files, err := Discover(src)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Ingest(ctx, tx, src, files, Options{RunID: 1, BatchBytes: 4096}); err != nil {
					t.Fatal(err)
				}
			}
			rows, err := tx.Query(`SELECT source, file, line::VARCHAR, reason FROM silver.quarantine ORDER BY file, line`)
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for rows.Next() {
				r := make([]string, 4)
				rows.Scan(&r[0], &r[1], &r[2], &r[3])
				got = append(got, r)
			}
			f, _ := os.Open(filepath.Join(dir, "expected", "quarantine.csv"))
			want, _ := csv.NewReader(f).ReadAll()
			f.Close()
			g := []string{strings.Join(want[0], ",")}
			for _, r := range got {
				g = append(g, strings.Join(r, ","))
			}
			w := make([]string, len(want))
			for i, r := range want {
				w[i] = strings.Join(r, ",")
			}
			if strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Errorf("quarantine differs\n got:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
		})
	}
}
