package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// initProject writes `elt init`'s project into a temporary folder.
func initProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mustElt(t, "init", filepath.Join(dir, "shop"))
	return filepath.Join(dir, "shop")
}

// given: rows for a seed are the seed's rows, whole: the seed's CSV (EUR
// at 1.0) is not added to them. A test giving EUR at 2.0 expects doubled
// euros; one that expects the CSV's rate must fail.
func TestUnitGivenReplacesSeed(t *testing.T) {
	proj := initProject(t)
	test := func(rate, want string) string {
		return "model: gold.daily_revenue\ngiven:\n" +
			"  silver.orders:\n" +
			"    - {order_id: o1, customer_id: c1, amount: \"10.00\", currency: EUR, status: paid, ordered_at: \"2026-11-01 10:00:00\"}\n" +
			"  ref.fx_rates:\n" +
			"    - {currency: EUR, rate_to_eur: \"" + rate + "\"}\n" +
			"expect:\n" +
			"  - {day: \"2026-11-01\", currency: EUR, orders: 1, revenue_eur: \"" + want + "\"}\n"
	}
	for _, tc := range []struct {
		name, yaml string
		pass       bool
	}{
		{"right", test("2.0", "20.00"), true},
		{"wrong", test("2.0", "10.00"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(proj, "tests", "fx.yaml")
			testutil.WriteFile(t, path, tc.yaml)
			defer os.Remove(path)
			code, out, errs := elt(t, "--project", proj, "test", "--unit", "--select", "gold.daily_revenue")
			if tc.pass && (code != 0 || !strings.Contains(out, "unit tests: 1 passed, 0 failed")) {
				t.Errorf("a right test: exit %d\n%s%s", code, out, errs)
			}
			if !tc.pass && (code != 1 || !strings.Contains(out, "unit tests: 0 passed, 1 failed")) {
				t.Errorf("a wrong test: exit %d\n%s%s", code, out, errs)
			}
		})
	}
}

// A scaffolded test that does not pass as written (gold.daily_revenue's
// inputs are narrowed by currency, so they make every day's rows) is kept
// for editing, and scaffold says so and exits 1.
func TestScaffoldFailingExits1(t *testing.T) {
	proj := initProject(t)
	mustElt(t, "--project", proj, "build")
	code, out, errs := elt(t, "--project", proj, "tests", "scaffold", "--rows", "2", "gold.daily_revenue")
	if code != 1 || !strings.Contains(out, "unit tests: 0 passed, 1 failed") ||
		!strings.Contains(errs, "tests/gold.daily_revenue.yaml does not pass as written") {
		t.Errorf("scaffold of a test that fails: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(proj, "tests", "gold.daily_revenue.yaml")); err != nil {
		t.Errorf("the scaffolded test is not kept: %v", err)
	}
	// One that passes exits 0.
	os.Remove(filepath.Join(proj, "tests", "silver.orders.yaml"))
	out = mustElt(t, "--project", proj, "tests", "scaffold", "--rows", "2", "silver.orders")
	if !strings.Contains(out, "unit tests: 1 passed, 0 failed") {
		t.Errorf("scaffold of a test that passes:\n%s", out)
	}
}

// customerRevenue is the README's model of "Add a model".
const customerRevenue = `/*
description: Paid revenue per customer, in euros.
columns:
  - name: customer_id
    checks: [not_null, unique]
*/
SELECT c.customer_id, c.name, c.country,
       count(o.order_id) AS orders,
       coalesce(sum(to_eur(o.amount, fx.rate_to_eur)), 0) AS revenue_eur
FROM bronze.customers AS c
LEFT JOIN silver.orders AS o ON o.customer_id = c.customer_id AND o.status = 'paid'
LEFT JOIN ref.fx_rates AS fx USING (currency)
GROUP BY ALL
ORDER BY revenue_eur DESC
`

// customersSource is the README's source of "Add a source", declared.
const customersSource = `  customers:
    format: csv
    path: customers
    key: customer_id
    fields:
      - {name: customer_id, type: id, required: true}
      - {name: name, type: text, required: true}
      - {name: country, type: text, required: true}
`

// Before a build, show and checks suggest say what to run first, exit 1,
// and print no DuckDB error: with no warehouse at all, and with a
// warehouse that lacks a source the model reads (at the line naming it).
func TestShowAndSuggestBeforeBuild(t *testing.T) {
	proj := initProject(t)
	for _, cmd := range [][]string{{"show", "gold.daily_revenue"}, {"checks", "suggest", "gold.daily_revenue"}, {"checks", "suggest", "--write", "gold.daily_revenue"}, {"tests", "scaffold", "gold.daily_revenue"}} {
		code, out, errs := elt(t, append([]string{"--project", proj}, cmd...)...)
		if code != 1 || !strings.Contains(errs, "run `elt build` first") || strings.Contains(errs, "Error:") {
			t.Errorf("elt %v with no warehouse: exit %d\n%s%s", cmd, code, out, errs)
		}
	}
	mustElt(t, "--project", proj, "build")
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "customers", "customers.csv"), "customer_id,name,country\nc00,Ana,MX\n")
	appendFile(t, filepath.Join(proj, "elt.yaml"), customersSource)
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", "customer_revenue.sql"), customerRevenue)
	code, out, errs := elt(t, "--project", proj, "show", "gold.customer_revenue")
	if code != 1 || !strings.Contains(errs, "models/gold/customer_revenue.sql:10:6: gold.customer_revenue reads bronze.customers, not in the warehouse yet: source customers is not ingested") ||
		!strings.Contains(errs, "run `elt build` first") || strings.Contains(errs, "Catalog Error") {
		t.Errorf("show of a model reading a source not ingested: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = elt(t, "--project", proj, "checks", "suggest", "gold.customer_revenue")
	if code != 1 || !strings.Contains(errs, "gold.customer_revenue is not built yet: run `elt build` first") {
		t.Errorf("checks suggest of a model not built: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = elt(t, "--project", proj, "tests", "scaffold", "gold.customer_revenue")
	if code != 1 || !strings.Contains(errs, "gold.customer_revenue is not built yet: run `elt build` first") {
		t.Errorf("tests scaffold of a model not built: exit %d\n%s%s", code, out, errs)
	}
	mustElt(t, "--project", proj, "build")
	out = mustElt(t, "--project", proj, "show", "gold.customer_revenue")
	if !strings.Contains(out, "Ana") {
		t.Errorf("show after the build:\n%s", out)
	}
}

// appendFile adds text at the end of a file.
func appendFile(t *testing.T, path, text string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, path, string(b)+text)
}

// checks suggest --write on the README's 3 customers wrote unique on name
// and country and ranges of exactly the 3 values seen, and the next build,
// with 5 customers, was blocked. Now it says the sample is too small,
// writes nothing it does not support, and the next build passes.
func TestSuggestSmallSampleDoesNotBlock(t *testing.T) {
	proj := initProject(t)
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "customers", "customers.csv"), "customer_id,name,country\nc00,Ana,MX\nc01,Ben,US\nc03,Dev,IN\n")
	appendFile(t, filepath.Join(proj, "elt.yaml"), customersSource)
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", "customer_revenue.sql"), customerRevenue)
	mustElt(t, "--project", proj, "build")
	out := mustElt(t, "--project", proj, "checks", "suggest", "--write", "gold.customer_revenue")
	for _, want := range []string{
		"3 rows are fewer than the 30 a check from the data needs",
		"# not suggested, the sample does not support it:",
		"#   unique(name): 3 distinct, but 3 rows are fewer than the 30 it needs",
		"#   unique(country): 3 distinct, but 3 rows are fewer than the 30 it needs",
		"#   range(revenue_eur): 3 rows are fewer than the 30 it needs",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("suggest on 3 rows does not say %q:\n%s", want, out)
		}
	}
	got, err := os.ReadFile(filepath.Join(proj, "models", "gold", "customer_revenue.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != customerRevenue {
		t.Errorf("suggest --write on 3 rows changed the model:\n%s", got)
	}
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "customers", "more.csv"), "customer_id,name,country\nc04,Eve,MX\nc05,Ana,US\n")
	out = mustElt(t, "--project", proj, "build")
	if !strings.Contains(out, "5 rows") {
		t.Errorf("the build with 5 customers:\n%s", out)
	}
}
