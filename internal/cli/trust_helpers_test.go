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
