package build

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// The shared conformance cases, built by the build itself (no CLI): gold,
// quarantine and counts must equal each case's expected/, whether bronze
// arrives at once or file by file. internal/cli keeps one case end to end.

// conformanceProject copies the repository's models with
// testdata/conformance/elt.yaml (whose sources accept any share of
// quarantined records) into a new folder.
func conformanceProject(t *testing.T) string {
	t.Helper()
	root := testutil.RepoRoot(t)
	proj := t.TempDir()
	testutil.CopyFile(t, filepath.Join(root, "testdata", "conformance", "elt.yaml"), filepath.Join(proj, "elt.yaml"))
	testutil.CopyTree(t, filepath.Join(root, "models"), filepath.Join(proj, "models"))
	return proj
}

// loadProject loads the project in dir, its bronze and warehouse where
// given.
func loadProject(t *testing.T, dir, bronze, wh string) *project.Project {
	t.Helper()
	p, err := project.Load(dir, project.Overrides{Bronze: bronze, Warehouse: wh})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newBuilder is the build of p's warehouse, opened for writing, with
// nothing else to do (no headers' check, exports or feature store); its
// progress lines are not looked at. The warehouse closes with the test.
func newBuilder(t *testing.T, p *project.Project) *Builder {
	t.Helper()
	db, err := state.Open(context.Background(), p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Builder{Project: p, DB: db}
}

// mustBuild opens p's warehouse, runs one build with o and closes it.
func mustBuild(t *testing.T, p *project.Project, o Options) *Summary {
	t.Helper()
	db, err := state.Open(context.Background(), p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := &Builder{Project: p, DB: db}
	sum, err := b.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("build %+v: %v", o, err)
	}
	return sum
}

// queryCSV runs q on db and renders its result as elt query --format csv
// does.
func queryCSV(t *testing.T, db *warehouse.DB, q string) string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	res, err := output.Read(rows, warehouse.PlainRow)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var b bytes.Buffer
	if err := output.Write(&b, "csv", res); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// results reads what the contract compares from p's warehouse: gold,
// quarantine and counts.
func results(t *testing.T, p *project.Project) (gold, quarantine string, c testutil.Counts) {
	t.Helper()
	db, err := state.Open(context.Background(), p, state.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	gold = queryCSV(t, db, "SELECT * FROM gold.user_session_analysis ORDER BY session_id")
	quarantine = queryCSV(t, db, "SELECT source, file, line, reason FROM silver.quarantine ORDER BY file, line, source, reason")
	rows, err := db.QueryContext(context.Background(), `
		SELECT s.source, coalesce(f.read, 0), s.silver, s.superseded, coalesce(q.n, 0) AS quarantined FROM (
		    SELECT 'events' AS source, (SELECT count(*) FROM silver.events) AS silver, (SELECT count(*) FROM bronze.events) - (SELECT count(*) FROM silver.events) AS superseded
		    UNION ALL SELECT 'transactions', (SELECT count(*) FROM silver.transactions), (SELECT count(*) FROM bronze.transactions) - (SELECT count(*) FROM silver.transactions)
		    UNION ALL SELECT 'users', (SELECT count(*) FROM silver.users), (SELECT count(*) FROM bronze.users) - (SELECT count(*) FROM silver.users)
		) AS s
		LEFT JOIN (SELECT source, sum(records)::BIGINT AS read FROM elt.files GROUP BY source) AS f USING (source)
		LEFT JOIN (SELECT source, count(*) AS n FROM silver.quarantine GROUP BY source) AS q USING (source)
		ORDER BY source`)
	if err != nil {
		t.Fatalf("counts: %v", err)
	}
	defer rows.Close()
	c = testutil.Counts{}
	for rows.Next() {
		var source string
		var read, silver, superseded, quarantined int64
		if err := rows.Scan(&source, &read, &silver, &superseded, &quarantined); err != nil {
			t.Fatalf("counts: %v", err)
		}
		c[source] = map[string]int64{"read": read, "silver": silver, "superseded": superseded, "quarantined": quarantined}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("counts: %v", err)
	}
	return gold, quarantine, c
}

// compare fails the test unless p's warehouse holds the case's expected/.
func compare(t *testing.T, dir string, p *project.Project) {
	t.Helper()
	gold, quarantine, counts := results(t, p)
	testutil.CompareCase(t, dir, gold, quarantine, counts)
}

// TestConformance builds every shared conformance case once over all files
// and compares gold, quarantine and counts with expected/.
func TestConformance(t *testing.T) {
	root := conformanceProject(t)
	for _, dir := range testutil.ConformanceCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			testutil.SkipPending(t, dir)
			p := loadProject(t, root, filepath.Join(dir, "bronze"), filepath.Join(t.TempDir(), "w.duckdb"))
			mustBuild(t, p, Options{})
			compare(t, dir, p)
		})
	}
}

// TestConformanceIncremental copies the files of each case into an empty
// bronze folder one at a time, in path order (so every step is a valid
// earlier state of the lake), building after each; the last build must
// equal expected/, and so must a full refresh after it.
func TestConformanceIncremental(t *testing.T) {
	root := conformanceProject(t)
	for _, dir := range testutil.ConformanceCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			testutil.SkipPending(t, dir)
			tmp := t.TempDir()
			bronze := filepath.Join(tmp, "bronze")
			p := loadProject(t, root, bronze, filepath.Join(tmp, "w.duckdb"))
			for _, src := range []string{"events", "transactions", "users"} {
				if err := os.MkdirAll(filepath.Join(bronze, src), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, rel := range testutil.Arrivals(t, filepath.Join(dir, "bronze")) {
				testutil.CopyFile(t, filepath.Join(dir, "bronze", rel), filepath.Join(bronze, rel))
				mustBuild(t, p, Options{})
			}
			compare(t, dir, p)
			mustBuild(t, p, Options{FullRefresh: true})
			compare(t, dir, p)
		})
	}
}
