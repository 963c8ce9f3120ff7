package state

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// TestExportChanges: the keys a build changed wait for the export, from
// run to run, until one is written; a change set with a NULL key or more
// than MaxExportKeys keys, or a model rebuilt whole, changes every row.
func TestExportChanges(t *testing.T) {
	ctx := context.Background()
	db := migrated(t)
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	changes := sqlname.Temp("changes_gold__feat")
	// mark records run's change set, the keys given (NULL for nil).
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mark := func(run int64, keys ...any) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+changes.String()+" (id BIGINT, v INTEGER)"); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if _, err := conn.ExecContext(ctx, "INSERT INTO "+changes.String()+" VALUES (?, 1), (?, 2)", k, k); err != nil {
				t.Fatal(err)
			}
		}
		if err := MarkExportChanged(ctx, conn, "gold.Feat", run, "id", changes); err != nil {
			t.Fatal(err)
		}
	}
	since := func() (ExportChanges, []string) {
		t.Helper()
		c, err := ExportChangesSince(ctx, conn, "gold.feat")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		if c.Query != "" {
			set, err := warehouse.Set(ctx, conn, c.Query)
			if err != nil {
				t.Fatal(err)
			}
			keys = slices.Sorted(maps.Keys(set))
		}
		return c, keys
	}
	// Before any export is recorded, there is nothing to bring up to date.
	mark(1, 1, 2)
	if c, _ := since(); c.Since != 0 {
		t.Fatalf("since run %d before any export", c.Since)
	}
	if err := ExportWritten(ctx, db.DB, "gold.feat", 1); err != nil {
		t.Fatal(err)
	}
	mark(2, 2, 3)
	mark(3, 3, 10)
	c, keys := since()
	if c.Since != 1 || c.Whole || c.Keys != 3 || !slices.Equal(keys, []string{"10", "2", "3"}) {
		t.Fatalf("%+v, keys %v", c, keys)
	}
	// Written for run 3: its keys and those before go.
	if err := ExportWritten(ctx, db.DB, "GOLD.feat", 3); err != nil {
		t.Fatal(err)
	}
	if c, keys := since(); c.Since != 3 || c.Whole || c.Keys != 0 || len(keys) != 0 {
		t.Fatalf("%+v, keys %v", c, keys)
	}
	run := int64(3)
	for _, whole := range []struct {
		name string
		mark func(run int64)
	}{
		{"a NULL key", func(run int64) { mark(run, 4, nil) }},
		{"too many keys", func(run int64) {
			defer func(n int64) { MaxExportKeys = n }(MaxExportKeys)
			MaxExportKeys = 2
			mark(run, 4, 5, 6)
		}},
		{"rebuilt whole", func(run int64) {
			if err := MarkExportChanged(ctx, conn, "gold.feat", run, "id", ""); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		run++
		whole.mark(run)
		if c, _ := since(); !c.Whole {
			t.Errorf("%s: %+v, want every row changed", whole.name, c)
		}
		if err := ExportWritten(ctx, db.DB, "gold.feat", run); err != nil {
			t.Fatal(err)
		}
		if c, _ := since(); c.Whole || c.Since != run {
			t.Errorf("%s: after the export %+v", whole.name, c)
		}
	}
	// A build of the model without its export forgets what was recorded.
	mark(run+1, 7)
	if err := ForgetExport(ctx, conn, "GOLD.FEAT"); err != nil {
		t.Fatal(err)
	}
	if c, _ := since(); c.Since != 0 {
		t.Fatalf("%+v after the export was forgotten", c)
	}
	var left int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM elt.export_changes").Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d changes left after the export was forgotten (%v)", left, err)
	}
	if err := ExportWritten(ctx, db.DB, "gold.feat", run+1); err != nil {
		t.Fatal(err)
	}
	exec("DELETE FROM elt.export_written") // a warehouse of before the table: nothing recorded
	if c, _ := since(); c.Since != 0 {
		t.Fatalf("%+v with no export recorded", c)
	}
}
