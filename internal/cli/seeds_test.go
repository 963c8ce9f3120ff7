package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// A model reading a seed by a relative path builds when elt runs from
// another folder: DuckDB searches the project folder for files.
func TestBuildFromAnotherFolder(t *testing.T) {
	root := t.TempDir()
	proj := filepath.Join(root, "shop")
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), "version: 1\nmodels:\n  materialized: table\n")
	testutil.WriteFile(t, filepath.Join(proj, "seeds", "ref", "fx_rates.csv"), "currency,rate\nUSD,1\nEUR,1.1\n")
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", "rates.sql"),
		"SELECT currency, rate FROM read_csv('seeds/ref/fx_rates.csv', header = true)\nUNION ALL\nSELECT currency, rate FROM ref.fx_rates\n")
	elsewhere := filepath.Join(root, "elsewhere")
	testutil.MkdirAll(t, elsewhere)
	t.Chdir(elsewhere)
	out := mustElt(t, "--project", "../shop", "build")
	if !strings.Contains(out, "ref.fx_rates                         table             2 rows") || !strings.Contains(out, "gold.rates                           table             4 rows") {
		t.Errorf("build from another folder:\n%s", out)
	}
	if out := mustElt(t, "--project", "../shop", "show", "--limit", "10", "gold.rates"); strings.Count(out, "USD") != 2 {
		t.Errorf("elt show reads relative paths from the project too:\n%s", out)
	}
}

// A seed is read again when its file changes, and only then; unchanged, it
// lets an incremental model that reads it be brought up to date instead of
// rebuilt.
func TestSeedsRebuiltWhenTheirFileChanges(t *testing.T) {
	proj := t.TempDir()
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), "version: 1\n")
	seed := filepath.Join(proj, "seeds", "ref", "fx.csv")
	testutil.WriteFile(t, seed, "currency,rate\nUSD,1\nEUR,1.1\n")
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", "base.sql"), "/* materialized: table */\nSELECT 'USD' AS currency, 10 AS amount\n")
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", "priced.sql"), `/*
materialized: incremental
unique_key: currency
affected_keys: SELECT currency FROM changes_ref__fx
*/
SELECT currency, rate FROM ref.fx
`)
	mustElt(t, "--project", proj, "build")
	out := mustElt(t, "--project", proj, "build")
	if !strings.Contains(out, "ref.fx                               unchanged         2 rows") || !strings.Contains(out, "gold.priced                          incremental       2 rows") {
		t.Errorf("a build with the seed unchanged:\n%s", out)
	}
	testutil.WriteFile(t, seed, "currency,rate\nUSD,1\nEUR,1.1\nGBP,1.2\n")
	out = mustElt(t, "--project", proj, "build")
	if !strings.Contains(out, "ref.fx                               table             3 rows") || !strings.Contains(out, "gold.priced                          full              3 rows") {
		t.Errorf("a build after the seed changed:\n%s", out)
	}
}
