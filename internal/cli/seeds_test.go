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
	if out := mustElt(t, "--project", "../shop", "query", "--format", "csv", "SELECT count(*) AS n FROM read_csv('seeds/ref/fx_rates.csv')"); out != "n\n2\n" {
		t.Errorf("elt query reads relative paths from the project too:\n%s", out)
	}
}
