package build

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestStaleMacrosAreDropped: a macro taken out of macros/ is dropped from
// the warehouse at the next build, so nothing calls a stale one; CREATE
// MACRO (without OR REPLACE) builds again and again.
func TestStaleMacrosAreDropped(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "x.sql"), "SELECT plus1(1) AS two\n")
	macros := filepath.Join(dir, "macros", "m.sql")
	testutil.WriteFile(t, macros, "CREATE MACRO plus1(x) AS x + 1;\nCREATE MACRO gone(x) AS x;\nCREATE MACRO rows3() AS TABLE SELECT * FROM range(3);\n")
	p := loadProject(t, dir, "", "")
	mustBuild(t, p, Options{})
	mustBuild(t, p, Options{})
	if out := queryProject(t, p, "SELECT gone(7) AS g, (SELECT count(*) FROM rows3()) AS n"); out != "g,n\n7,3\n" {
		t.Errorf("the macros: %s", out)
	}
	testutil.WriteFile(t, macros, "CREATE MACRO plus1(x) AS x + 1;\n")
	p = loadProject(t, dir, "", "")
	mustBuild(t, p, Options{})
	db, err := state.Open(context.Background(), p, state.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"SELECT gone(7)", "SELECT * FROM rows3()"} {
		rows, err := db.QueryContext(context.Background(), q)
		if err == nil {
			rows.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%s after its macro was removed: %v", q, err)
		}
	}
}
