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
func TestIncrementalUniqueCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		severity string
		first    string // the first file's records: id and group
		then     string // the second's
		want     string
	}{
		{"clean, then a duplicate", "error", "a g1\nb g2\n", "c g1\n",
			"FAIL  gold.groups  unique(grp): 1 of 3 rows fail (33.3%)"},
		{"clean, then clean", "error", "a g1\nb g2\n", "c g3\n",
			"checks: 2 passed, 0 failed, 0 warnings"},
		{"a duplicate warned, then another group", "warn", "a g1\nb g1\nc g2\n", "d g3\n",
			"WARN  gold.groups  unique(grp): 1 of 4 rows fail (25.0%)"},
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
			mustElt(t, "--project", dir, "build")
			file("2.json", tc.then)
			_, out, errs := elt(t, "--project", dir, "build")
			if !strings.Contains(out, "gold.groups                          incremental") {
				t.Fatalf("gold.groups was not built incrementally:\n%s%s", out, errs)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("want %q in:\n%s%s", tc.want, out, errs)
			}
		})
	}
}
