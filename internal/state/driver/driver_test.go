package driver

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
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

// TestMigrationIsOneTransaction: golang-migrate marks a version dirty,
// runs the migration and marks it clean; none of it is seen outside until
// the clean mark, so a process killed in between leaves the last whole
// version (a fresh warehouse killed while migrating is not "half-migrated").
func TestMigrationIsOneTransaction(t *testing.T) {
	db, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := WithInstance(db.DB, Config{})
	if err != nil {
		t.Fatal(err)
	}
	outside := func() string {
		var n int
		var tables int
		db.DB.QueryRow(`SELECT count(*) FROM elt.schema_migrations`).Scan(&n)
		db.DB.QueryRow(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half'`).Scan(&tables)
		return fmt.Sprintf("versions %d, tables %d", n, tables)
	}
	if err := d.SetVersion(1, true); err != nil {
		t.Fatal(err)
	}
	if v, dirty, _ := d.Version(); v != 1 || !dirty {
		t.Fatalf("the driver sees %d dirty=%v, want 1 dirty", v, dirty)
	}
	if err := d.Run(strings.NewReader("CREATE TABLE elt.half (a INTEGER)")); err != nil {
		t.Fatal(err)
	}
	if got := outside(); got != "versions 0, tables 0" {
		t.Fatalf("before the clean mark, another connection sees %s", got)
	}
	if err := d.SetVersion(1, false); err != nil {
		t.Fatal(err)
	}
	if got := outside(); got != "versions 1, tables 1" {
		t.Fatalf("after the clean mark, another connection sees %s", got)
	}
	// A failing migration is rolled back with its dirty mark.
	d.SetVersion(2, true)
	if err := d.Run(strings.NewReader("CREATE TABLE elt.other (a INTEGER); SELECT no_such_column FROM elt.half")); err == nil {
		t.Fatal("a failing migration ran")
	}
	if v, dirty, _ := d.Version(); v != 1 || dirty {
		t.Fatalf("after a failed migration the version is %d dirty=%v, want 1 clean", v, dirty)
	}
}
