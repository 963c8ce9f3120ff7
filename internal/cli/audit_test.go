package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestIncrementalUniqueCheck: a model brought up to date incrementally has
// its unique check counted over the keys the build touched, when the check
// found nothing at the model's last build; a duplicate the build makes is
// still caught, with the count a whole-table check gives. When the last
// build had found duplicates (a warning), the check counts the whole table
// again, so the old duplicate stays reported.
//
// Since a build checks an incremental model's unique_key unique itself
// (TestUniqueKeyCheckedOnEveryBuild), a duplicate of the key stops the
// build before the audit: at the increment that makes it, or at the first
// build even when the header's unique check only warns.
func TestIncrementalUniqueCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		severity string
		first    string // the first file's records: id and group
		then     string // the second's
		want     string
	}{
		{"clean, then a duplicate", "error", "a g1\nb g2\n", "c g1\n",
			"models/gold/groups.sql:3:13: unique_key grp is not unique in the rows this increment computed of gold.groups: 'g1' (2 rows)"},
		{"clean, then clean", "error", "a g1\nb g2\n", "c g3\n",
			"checks: 2 passed, 0 failed, 0 warnings"},
		{"a duplicate warned", "warn", "a g1\nb g1\nc g2\n", "",
			"models/gold/groups.sql:3:13: unique_key grp is not unique in the model's rows of gold.groups: 'g1' (2 rows)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\nsources:\n  things:\n    format: ndjson\n    key: id\n    fields:\n"+
				"      - {name: id, type: id, required: true}\n      - {name: grp, type: text}\n")
			testutil.WriteFile(t, filepath.Join(dir, "models", "silver", "things.sql"), `/*
materialized: incremental
unique_key: id
order_by: _line DESC
*/
SELECT id, grp, _line FROM bronze.things
`)
			testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "groups.sql"), `/*
materialized: incremental
unique_key: grp
affected_keys: SELECT grp FROM changes_silver__things
keyed_inputs: [silver.things]
columns:
  - name: grp
    checks:
      - unique: {severity: `+tc.severity+`}
*/
SELECT grp, id FROM silver.things
`)
			file := func(name, recs string) {
				var b strings.Builder
				for _, l := range strings.Split(strings.TrimSpace(recs), "\n") {
					id, grp, _ := strings.Cut(l, " ")
					b.WriteString(`{"id": "` + id + `", "grp": "` + grp + `"}` + "\n")
				}
				testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "things", name), b.String())
			}
			file("1.json", tc.first)
			if tc.then == "" {
				if code, out, errs := elt(t, "--project", dir, "build"); code != 1 || !strings.Contains(errs, tc.want) {
					t.Fatalf("exit %d, want 1 and %q\n%s%s", code, tc.want, out, errs)
				}
				return
			}
			mustElt(t, "--project", dir, "build")
			file("2.json", tc.then)
			_, out, errs := elt(t, "--project", dir, "build")
			if !strings.Contains(out, "gold.groups                          incremental") {
				t.Fatalf("gold.groups was not built incrementally:\n%s%s", out, errs)
			}
			if !strings.Contains(out+errs, tc.want) {
				t.Errorf("want %q in:\n%s%s", tc.want, out, errs)
			}
		})
	}
}
