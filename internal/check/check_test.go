package check

import (
	"context"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// TestUniqueSince: with a change set, a unique check of the model's key
// that was clean at its last build counts only the touched keys; without
// one, or when it was not clean, the whole table. (A duplicate among
// untouched keys cannot come from a build; it is planted here to show
// which rows were counted.)
func TestUniqueSince(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE SCHEMA gold",
		"CREATE TABLE gold.t AS SELECT * FROM (VALUES ('old'), ('old'), ('new'), ('new'), ('new'), ('other')) AS v(k)",
		"CREATE TEMP TABLE changes AS SELECT * FROM (VALUES ('new')) AS v(k)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	m, err := project.ParseModel("models/gold/t.sql", "gold", "t",
		"/*\nmaterialized: incremental\nunique_key: k\naffected_keys: SELECT 1\ncolumns:\n  - name: k\n    checks: [unique]\n*/\nSELECT 1 AS k\n", project.ModelDefaults{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		since *Since
		want  int64
	}{
		{"whole table", nil, 3},
		{"touched keys", &Since{Changes: "changes", Clean: map[string]bool{"unique(k)": true}}, 2},
		{"not clean at the last build", &Since{Changes: "changes", Clean: map[string]bool{}}, 3},
	} {
		rs, err := Model(ctx, db, m, tc.since)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].Failing != tc.want || rs[0].Total != 6 {
			t.Errorf("%s: got %+v, want %d of 6 failing", tc.name, rs, tc.want)
		}
	}
	// The build deleted every row: nothing to count, nothing failing.
	if _, err := db.Exec("DELETE FROM gold.t"); err != nil {
		t.Fatal(err)
	}
	rs, err := Model(ctx, db, m, &Since{Changes: "changes", Clean: map[string]bool{"unique(k)": true}})
	if err != nil || len(rs) != 1 || rs[0].Failing != 0 || rs[0].Total != 0 || rs[0].Err != "" {
		t.Errorf("an emptied table: got %+v, %v", rs, err)
	}
}
