package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// The regression tests of what a hostile retry of issue #24 found after
// its fixes.

// TestSourceCheckIsACondition: a field's check that is not true or false
// ('abc', which failed inside the ingestion's generated SQL as a Conversion
// Error, or 1, which was taken) or that DuckDB cannot bind is an error at
// its elt.yaml line before anything runs.
func TestSourceCheckIsACondition(t *testing.T) {
	dir, checkAmount := starterAmountCheck(t)
	for check, want := range map[string]string{
		`'abc'`:                  "the check of field amount gives a VARCHAR, not true or false",
		`1`:                      "the check of field amount gives a INTEGER, not true or false",
		`amount > 'x'`:           "the check of field amount cannot run: Conversion Error",
		`amount < 100000`:        "",
		`to_eur(amount, 1) >= 0`: "", // the project's macro
	} {
		checkAmount(check)
		code, out, errs := elt(t, "--project", dir, "build")
		switch {
		case want == "" && code != 0:
			t.Errorf("%s: exit %d\n%s%s", check, code, out, errs)
		case want != "" && (code != 1 || !strings.Contains(errs, "elt.yaml:37:") || !strings.Contains(errs, want) || strings.Contains(out, "ingest")):
			t.Errorf("%s: exit %d\n%s%s\nwant %q at elt.yaml:37 before anything runs", check, code, out, errs, want)
		}
	}
}

// TestOrderByStructField: order_by may order by a field of a struct column
// and use a lambda; the plan-time check took payload.at for a column "at"
// the model does not return, and refused it.
func TestOrderByStructField(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), opsPeopleYAML)
	testutil.WriteFile(t, filepath.Join(dir, "models", "silver", "people.sql"), `/*
materialized: incremental
unique_key: user_id
order_by: payload.at DESC, list_max(list_transform(tries, x -> x + 1)) DESC
*/
SELECT user_id, {'at': score} AS payload, [score] AS tries FROM bronze.people
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY score DESC) = 1
`)
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "people", "p1.csv"), "user_id,score\na,1\nb,2\n")
	mustElt(t, "--project", dir, "build")
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "people", "p2.csv"), "user_id,score\nb,20\n")
	mustElt(t, "--project", dir, "build")
	if got := mustElt(t, "--project", dir, "query", "--format", "csv", "SELECT payload.at AS at FROM silver.people WHERE user_id = 'b'"); got != "at\n20\n" {
		t.Errorf("b: %q", got)
	}
}

// TestFirstBuildSourceCheckCallsMacro: a first build (which would stage its
// sources) loads a source whose check calls the project's macro: the macro
// exists before the load reads it.
func TestFirstBuildSourceCheckCallsMacro(t *testing.T) {
	dir, checkAmount := starterAmountCheck(t)
	checkAmount("to_eur(amount, 1) >= 0")
	if code, out, errs := elt(t, "--project", dir, "build"); code != 0 {
		t.Fatalf("first build: exit %d\n%s%s", code, out, errs)
	}
}

// starterAmountCheck makes elt init's starter project, and returns it with
// what sets the check: of its orders' amount field in elt.yaml.
func starterAmountCheck(t *testing.T) (dir string, set func(check string)) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "shop")
	mustElt(t, "init", dir)
	yaml := filepath.Join(dir, "elt.yaml")
	b, err := os.ReadFile(yaml)
	if err != nil {
		t.Fatal(err)
	}
	orig := string(b)
	field := `{name: amount, type: "decimal(10,2)", required: true, min: 0}`
	if !strings.Contains(orig, field) {
		t.Fatalf("the starter's amount field changed:\n%s", orig)
	}
	return dir, func(check string) {
		testutil.WriteFile(t, yaml, strings.Replace(orig, field, `{name: amount, type: "decimal(10,2)", required: true, min: 0, check: "`+check+`"}`, 1))
	}
}
