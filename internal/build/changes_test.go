package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// queryProject runs q on p's warehouse, opened read-only, and returns its
// CSV.
func queryProject(t *testing.T, p *project.Project, q string) string {
	t.Helper()
	db, err := state.Open(context.Background(), p, state.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return queryCSV(t, db, q)
}

// built is how the build built each model (Materialized: full,
// incremental, table, view).
func built(sum *Summary) map[string]string {
	out := map[string]string{}
	for _, m := range sum.Models {
		out[m.Model] = m.Materialized
	}
	return out
}

// TestChangedBronzeFile: a file whose content changes after ingestion stops
// the build, naming it, with nothing published; touching a file without
// changing it is fine; a full refresh re-reads everything.
func TestChangedBronzeFile(t *testing.T) {
	p := generatedProject(t, gen.Options{Events: 3000, Users: 50, Days: 2})
	mustBuild(t, p, Options{})
	f := filepath.Join(p.Resolve(p.Config.Paths.Bronze), "users", "dt=2026-10-31", "part-0001.csv")
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	// Touched only: same bytes, new modification time.
	future := time.Now().Add(time.Hour)
	os.Chtimes(f, future, future)
	if r := ingested(t, mustBuild(t, p, Options{}), "users"); r.Files != 0 {
		t.Fatalf("a touched file was read again: %+v", r)
	}
	testutil.WriteFile(t, f, string(data)+"u999999,PE,web,2025-01-01,2026-01-01T00:00:00Z\n")
	db, err := state.Open(context.Background(), p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&Builder{Project: p, DB: db}).Run(context.Background(), Options{})
	db.Close()
	if err == nil || !strings.Contains(err.Error(), "bronze file users/dt=2026-10-31/part-0001.csv changed after it was ingested") || !strings.Contains(err.Error(), "--full-refresh") {
		t.Fatalf("build: got %v", err)
	}
	const q = "SELECT count(*) FROM silver.users WHERE user_id = 'u999999'"
	if got := queryProject(t, p, q); got != "count_star()\n0\n" {
		t.Fatalf("the changed file was applied: %q", got)
	}
	mustBuild(t, p, Options{FullRefresh: true})
	if got := queryProject(t, p, q); got != "count_star()\n1\n" {
		t.Fatalf("a full refresh did not re-read the file: %q", got)
	}
}

// TestChangedModelRebuildsWhole: editing an incremental model's SQL rebuilds
// it whole on the next build, and what reads it, rather than merging into
// rows made by the old SQL.
func TestChangedModelRebuildsWhole(t *testing.T) {
	p := generatedProject(t, gen.Options{Events: 2000, Users: 30, Days: 1})
	mustBuild(t, p, Options{})
	if got := built(mustBuild(t, p, Options{}))["silver.events"]; got != "incremental" {
		t.Fatalf("second build built silver.events %q, want incremental", got)
	}
	path := filepath.Join(p.Dir, "models", "silver", "events.sql")
	sql, _ := os.ReadFile(path)
	testutil.WriteFile(t, path, strings.ReplaceAll(string(sql), "SELECT event_id, session_id,", "SELECT event_id, upper(event_type) AS event_type_upper, session_id,"))
	p = loadProject(t, p.Dir, "", "")
	got := built(mustBuild(t, p, Options{}))
	if got["silver.events"] != "full" || got["gold.user_session_analysis"] != "full" {
		t.Fatalf("a changed model was not rebuilt whole (nor what reads it): %v", got)
	}
	if ok := queryProject(t, p, "SELECT count(*) = count(event_type_upper) AS ok FROM silver.events"); ok != "ok\ntrue\n" {
		t.Fatalf("new column not filled: %q", ok)
	}
}
