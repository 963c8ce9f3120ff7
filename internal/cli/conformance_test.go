package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

type counts map[string]map[string]int64

// results reads what the contract compares: gold, quarantine and counts.
func results(t *testing.T, base []string) (gold, quarantine string, c counts) {
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
	c = counts{}
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

func expected(t *testing.T, dir string) (gold, quarantine string, c counts) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "expected", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	if err := json.Unmarshal([]byte(read("counts.json")), &c); err != nil {
		t.Fatal(err)
	}
	return read("gold.csv"), read("quarantine.csv"), c
}

func compare(t *testing.T, dir string, base []string) {
	t.Helper()
	wg, wq, wc := expected(t, dir)
	gg, gq, gc := results(t, base)
	if strings.TrimSpace(gg) != strings.TrimSpace(wg) {
		t.Errorf("gold differs:\n%s", diff(wg, gg))
	}
	if strings.TrimSpace(gq) != strings.TrimSpace(wq) {
		t.Errorf("quarantine differs:\n%s", diff(wq, gq))
	}
	wj, _ := json.Marshal(wc)
	gj, _ := json.Marshal(gc)
	if string(wj) != string(gj) {
		t.Errorf("counts differ:\n got %s\nwant %s", gj, wj)
	}
}

// diff lists the lines only one side has.
func diff(want, got string) string {
	w := strings.Split(strings.TrimSpace(want), "\n")
	g := strings.Split(strings.TrimSpace(got), "\n")
	in := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	wm, gm := in(w), in(g)
	var b strings.Builder
	n := 0
	for _, x := range w {
		if !gm[x] && n < 20 {
			b.WriteString("- " + x + "\n")
			n++
		}
	}
	for _, x := range g {
		if !wm[x] && n < 40 {
			b.WriteString("+ " + x + "\n")
			n++
		}
	}
	return b.String()
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

// arrivals lists a bronze folder's files in arrival order: by source, by
// path within the source.
func arrivals(t *testing.T, bronze string) []string {
	var files []string
	err := filepath.WalkDir(bronze, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(bronze, p)
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}
