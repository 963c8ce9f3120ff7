package check

import (
	"context"
	"slices"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// changedModel is an in-memory warehouse with a model gold.t of rows and
// a change set, the temporary table changes, of changed.
func changedModel(t *testing.T, rows, changed string) *warehouse.DB {
	t.Helper()
	db := testutil.MemoryDB(t)
	for _, q := range []string{"CREATE SCHEMA gold", "CREATE TABLE gold.t AS " + rows, "CREATE TEMP TABLE changes AS " + changed} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestChecksSince: with a change set, a check that was clean at the
// model's last build counts only the rows of the touched keys when nothing
// else can fail it and its label says what it checked: an unnamed unique
// check of the model's key, and an unnamed not_null. A named check (its
// name may have checked something else), accepted_values (its values may
// have changed) and an expression (it may read other rows) count the whole
// table. Without a change set, or when it was not clean, the whole table.
// (Failing rows among untouched keys cannot come from a build; they are
// planted here to show which rows were counted.)
func TestChecksSince(t *testing.T) {
	ctx := context.Background()
	db := changedModel(t, "SELECT * FROM (VALUES ('old', NULL), ('old', 'x'), ('new', NULL), ('new', 'y'), ('new', 'z'), ('other', 'z')) AS v(k, v)",
		"SELECT * FROM (VALUES ('new')) AS v(k)")
	m, err := project.ParseModel("models/gold/t.sql", "gold", "t",
		"/*\nmaterialized: incremental\nunique_key: k\naffected_keys: SELECT 1\ncolumns:\n  - name: k\n    checks: [unique]\n"+
			"  - name: v\n    checks: [not_null, {not_null: {name: v_named}}, {accepted_values: [x, y]}, {expression: v <> 'z'}]\n*/\nSELECT 1 AS k, 1 AS v\n", project.ModelDefaults{})
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, c := range m.Checks() {
		all[c.Label()] = true
	}
	for _, tc := range []struct {
		name  string
		since *Since
		want  []int64 // unique(k), not_null(v), v_named, accepted_values(v), expression
	}{
		{"whole table", nil, []int64{3, 2, 2, 2, 4}},
		{"touched keys", &Since{Changes: "changes", Clean: all}, []int64{2, 1, 2, 2, 4}},
		{"not clean at the last build", &Since{Changes: "changes", Clean: map[string]bool{}}, []int64{3, 2, 2, 2, 4}},
	} {
		rs, err := Model(ctx, db, m, tc.since)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, r := range rs {
			if r.Total != 6 || r.Err != "" {
				t.Errorf("%s: %s counted %d rows (%s), want 6", tc.name, r.Label, r.Total, r.Err)
			}
			got = append(got, r.Failing)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: failing rows %v, want %v", tc.name, got, tc.want)
		}
	}
	// The build deleted every row: nothing to count, nothing failing.
	if _, err := db.Exec("DELETE FROM gold.t"); err != nil {
		t.Fatal(err)
	}
	rs, err := Model(ctx, db, m, &Since{Changes: "changes", Clean: all})
	if err != nil || len(rs) != 5 {
		t.Fatalf("an emptied table: got %+v, %v", rs, err)
	}
	for _, r := range rs {
		if r.Failing != 0 || r.Total != 0 || r.Err != "" {
			t.Errorf("an emptied table: %s got %+v", r.Label, r)
		}
	}
}

// TestChecksSinceNullKey: the row of a NULL key a build wrote matches no
// key of its change set, which holds the NULL key all the same, before and
// after (sql/merge.sql, sql/recompute.sql), so the checks counted over the
// touched keys count the model's NULL-key row too, once: in the one query,
// and one by one when a broken check makes that query fail.
func TestChecksSinceNullKey(t *testing.T) {
	ctx := context.Background()
	db := changedModel(t, "SELECT * FROM (VALUES ('old', 'x'), ('new', 'y'), (NULL, NULL), ('other', 'z')) AS v(k, v)",
		"SELECT * FROM (VALUES ('new', 'y'), (NULL, 'before'), (NULL, NULL)) AS v(k, v)")
	header := "/*\nmaterialized: incremental\nunique_key: k\naffected_keys: SELECT 1\ncolumns:\n  - name: k\n    checks: [not_null, unique]\n" +
		"  - name: v\n    checks: [not_null, {max_null_pct: 10}]\n"
	for _, tc := range []struct {
		name, checks string
	}{
		{"one query", ""},
		{"one by one", "checks: [{expression: no_such_column > 0}]\n"},
	} {
		m, err := project.ParseModel("models/gold/t.sql", "gold", "t", header+tc.checks+"*/\nSELECT 1 AS k, 1 AS v\n", project.ModelDefaults{})
		if err != nil {
			t.Fatal(err)
		}
		clean := map[string]bool{}
		for _, c := range m.Checks() {
			clean[c.Label()] = true
		}
		rs, err := Model(ctx, db, m, &Since{Changes: "changes", Clean: clean})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, r := range rs {
			got[r.Label] = r.Failing
			if r.Total != 4 {
				t.Errorf("%s: %s counted %d rows (%s), want 4", tc.name, r.Label, r.Total, r.Err)
			}
		}
		for label, want := range map[string]int64{"not_null(k)": 1, "unique(k)": 0, "not_null(v)": 1, "max_null_pct(v)": 1} {
			if got[label] != want {
				t.Errorf("%s: %s has %d failing rows, want %d", tc.name, label, got[label], want)
			}
		}
	}
}
