package state

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

// TestMigrateUpDown applies the embedded migrations, reverts and reapplies them.
func TestMigrateUpDown(t *testing.T) {
	db, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := Migrate(db.DB); err != nil {
		t.Fatal(err)
	}
	g, _ := NewMigrator(db.DB)
	v, dirty, err := g.Version()
	if err != nil || dirty || v != Latest() || v < 2 {
		t.Fatalf("version %d dirty %v err %v, want %d", v, dirty, err, Latest())
	}
	if err := g.Down(0); err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'elt' AND table_name = 'runs'`).Scan(&n)
	if n != 0 {
		t.Fatal("elt.runs survived down")
	}
	if err := Migrate(db.DB); err != nil {
		t.Fatal(err)
	}
	id, err := Runs{db.DB}.Start(context.Background(), "build", "", "test")
	if err != nil || id != 1 {
		t.Fatalf("run id %d err %v", id, err)
	}
}
