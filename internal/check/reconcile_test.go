package check

import (
	"context"
	"testing"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// TestCountKeys: the superseded records of a keyed source, counted from the
// last balanced reconciliation and the rows loaded since, while the rows up
// to its run are the ones it counted; the whole table otherwise.
func TestCountKeys(t *testing.T) {
	ctx := context.Background()
	src := ingest.Source{Name: "things", Source: contract.Source{Key: "id"}}
	// Run 1 loaded a, a, b (one superseded); run 2 loads a, c, c, d.
	setup := []string{
		"CREATE SCHEMA IF NOT EXISTS bronze", "CREATE SCHEMA IF NOT EXISTS silver",
		"CREATE TABLE bronze.things AS SELECT * FROM (VALUES ('a', 1), ('a', 1), ('b', 1), ('a', 2), ('c', 2), ('c', 2), ('d', 2)) AS v(id, _run_id)",
		"CREATE TABLE silver.things AS SELECT DISTINCT id FROM bronze.things",
	}
	for _, tc := range []struct {
		name   string
		last   string // the reconciliation recorded for run 1
		wanted int64  // superseded
	}{
		{"no reconciliation yet: the whole table", "", 3},
		{"from run 1's", "(1, 'things', 3, 2, 1, 0, 3, true)", 3},
		// A record that disagrees with the table shows which was counted.
		{"run 1's is trusted while its rows are there", "(1, 'things', 3, 3, 0, 0, 3, true)", 2},
		{"run 1's rows are not those it counted", "(1, 'things', 4, 3, 1, 0, 4, true)", 3},
		{"an unbalanced one is not used", "(1, 'things', 3, 3, 0, 0, 3, false)", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := warehouse.Open(ctx, "", warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := state.Migrate(db.DB); err != nil {
				t.Fatal(err)
			}
			stmts := setup
			if tc.last != "" {
				stmts = append(stmts, "INSERT INTO elt.reconciliations VALUES "+tc.last)
			}
			for _, q := range stmts {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			silver, bronze, superseded, err := countKeys(ctx, db, src)
			if err != nil {
				t.Fatal(err)
			}
			if silver != 4 || bronze != 7 || superseded != tc.wanted {
				t.Errorf("got silver %d, bronze %d, superseded %d; want 4, 7, %d", silver, bronze, superseded, tc.wanted)
			}
		})
	}
}
