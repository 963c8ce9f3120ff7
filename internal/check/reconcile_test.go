package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
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
		reload string // a statement run after the setup
	}{
		{"no reconciliation yet: the whole table", "", 3, ""},
		{"from run 1's", "(1, 'things', 3, 2, 1, 0, 3, true, 'id')", 3, ""},
		// A record that disagrees with the table shows which was counted.
		{"run 1's is trusted while its rows are there", "(1, 'things', 3, 3, 0, 0, 3, true, 'id')", 2, ""},
		{"run 1's rows are not those it counted", "(1, 'things', 4, 3, 1, 0, 4, true, 'id')", 3, ""},
		{"an unbalanced one is not used", "(1, 'things', 3, 3, 0, 0, 3, false, 'id')", 3, ""},
		// A full refresh reloaded every row under later runs: none is run 1's.
		{"after a full refresh", "(1, 'things', 3, 3, 0, 0, 3, true, 'id')", 3, "UPDATE bronze.things SET _run_id = _run_id + 2"},
		// Counted by another key, or before the key was kept.
		{"run 1's counted by another key", "(1, 'things', 3, 3, 0, 0, 3, true, 'name')", 3, ""},
		{"run 1's key not kept", "(1, 'things', 3, 3, 0, 0, 3, true, NULL)", 3, ""},
		{"the key's case does not matter", "(1, 'things', 3, 3, 0, 0, 3, true, 'ID')", 2, ""},
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
			if tc.reload != "" {
				stmts = append(stmts, tc.reload)
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

// TestModelFilters: a model filters (its reconciliation may count records
// left out on purpose) when a WHERE or HAVING appears anywhere in it; SEMI
// and ANTI joins, joins and QUALIFY do not make it one. The shipped
// silver.events keeps every record's id, so a record it lost fails the
// build rather than counting as filtered.
func TestModelFilters(t *testing.T) {
	ctx := context.Background()
	db := testutil.MemoryDB(t)
	shipped, err := os.ReadFile(filepath.Join("..", "..", "models", "silver", "events.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, body string
		filters    bool
	}{
		{"shipped silver.events", strings.SplitN(string(shipped), "*/", 2)[1], false},
		{"where", "SELECT id FROM bronze.things WHERE id <> 'a'", true},
		{"having in a CTE", "WITH k AS (SELECT id FROM bronze.things GROUP BY id HAVING count(*) > 1) SELECT id FROM k", true},
		{"not exists", "SELECT id FROM bronze.things AS b WHERE NOT EXISTS (SELECT 1 FROM bronze.things AS c WHERE c.id = b.id)", true},
		{"qualify", "SELECT id FROM bronze.things QUALIFY row_number() OVER (PARTITION BY id) = 1", false},
		{"semi and anti joins", "SELECT b.id FROM bronze.things AS b SEMI JOIN bronze.things AS c ON c.id = b.id ANTI JOIN bronze.things AS d ON d.id = b.id AND d._run_id > 1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := warehouse.SelectTree(ctx, db, tc.body); err != nil {
				t.Fatal(err) // modelFilters would say false
			}
			if got := modelFilters(ctx, db, &project.Model{Body: tc.body}); got != tc.filters {
				t.Errorf("modelFilters = %v, want %v", got, tc.filters)
			}
		})
	}
}
