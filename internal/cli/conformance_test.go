package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// results reads what the contract compares: gold, quarantine and counts.
func results(t *testing.T, base []string) (gold, quarantine string, c testutil.Counts) {
	gold = mustElt(t, append(base, "query", "--format", "csv", "SELECT * FROM gold.user_session_analysis ORDER BY session_id")...)
	quarantine = mustElt(t, append(base, "query", "--format", "csv", "SELECT source, file, line, reason FROM silver.quarantine ORDER BY file, line, source, reason")...)
	js := mustElt(t, append(base, "query", "--format", "json", `
		SELECT s.source, f.read, s.silver, s.superseded, coalesce(q.n, 0) AS quarantined FROM (
		    SELECT 'events' AS source, (SELECT count(*) FROM silver.events) AS silver, (SELECT count(*) FROM bronze.events) - (SELECT count(*) FROM silver.events) AS superseded
		    UNION ALL SELECT 'transactions', (SELECT count(*) FROM silver.transactions), (SELECT count(*) FROM bronze.transactions) - (SELECT count(*) FROM silver.transactions)
		    UNION ALL SELECT 'users', (SELECT count(*) FROM silver.users), (SELECT count(*) FROM bronze.users) - (SELECT count(*) FROM silver.users)
		) AS s
		LEFT JOIN (SELECT source, sum(records) AS read FROM elt.files GROUP BY source) AS f USING (source)
		LEFT JOIN (SELECT source, count(*) AS n FROM silver.quarantine GROUP BY source) AS q USING (source)
		ORDER BY source`)...)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(js), &rows); err != nil {
		t.Fatalf("counts: %v\n%s", err, js)
	}
	c = testutil.Counts{}
	for _, r := range rows {
		m := map[string]int64{}
		for _, k := range []string{"read", "silver", "superseded", "quarantined"} {
			f, _ := r[k].(float64)
			m[k] = int64(f)
		}
		c[r["source"].(string)] = m
	}
	return gold, quarantine, c
}

func compare(t *testing.T, dir string, base []string) {
	t.Helper()
	gold, quarantine, counts := results(t, base)
	testutil.CompareCase(t, dir, gold, quarantine, counts)
}

// TestConformance builds one shared conformance case through the CLI (elt
// build, then elt query for what the contract compares) and compares gold,
// quarantine and counts with expected/. Every case, whole and file by
// file, is built by internal/build's TestConformance and
// TestConformanceIncremental; this keeps the command's path covered.
func TestConformance(t *testing.T) {
	root := conformanceProject(t)
	dir := filepath.Join(testutil.ConformanceDir(t), "02-dirty")
	testutil.SkipPending(t, dir)
	base := []string{"--project", root, "--bronze", filepath.Join(dir, "bronze"), "--warehouse", filepath.Join(t.TempDir(), "w.duckdb")}
	mustElt(t, append(base, "build")...)
	compare(t, dir, base)
}
