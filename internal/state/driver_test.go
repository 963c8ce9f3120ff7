package state

import (
	"context"
	"path/filepath"
	"testing"

	dt "github.com/golang-migrate/migrate/v4/database/testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

// TestDriverSuite runs golang-migrate's own driver test suite.
func TestDriverSuite(t *testing.T) {
	db, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := WithInstance(db.DB, Config{})
	if err != nil {
		t.Fatal(err)
	}
	dt.Test(t, d, []byte("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);"))
}

// TestOpenURL runs the suite through database.Open with a URL whose path has
// a space and a quote.
func TestOpenURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "it's a dir", "w.duckdb")
	d, err := (&Driver{}).Open("duckdb://" + path + "?x-migrations-table=versions")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	dt.Test(t, d, []byte("SELECT 1"))
}

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
