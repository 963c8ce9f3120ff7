package cli

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/testutil/pgtest"
)

// TestKilledInPostgres kills builds in PostgreSQL (engine: postgres) with
// SIGKILL at 10 random moments, of a first build and of an increment: after
// each, the engine holds no staging table and its gold is what the last
// published build left, whole; the next build converges to what the
// embedded DuckDB builds from the same bronze.
func TestKilledInPostgres(t *testing.T) {
	dsn := pgtest.Start(t)
	proj := copyProject(t, repoRoot(t), t.TempDir())
	addTargets(t, proj, "\ntargets:\n  pg:\n    engine: postgres\n")
	t.Setenv("ELT_ENGINE_DSN", dsn)
	base := []string{"--project", proj}
	pg := append(base, "--target", "pg", "--warehouse", filepath.Join(t.TempDir(), "pg.duckdb"))
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "20000", "--users", "300", "--days", "3")...)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// published is gold's row count in the engine, -1 before any build.
	published := func() int64 {
		var staging int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '\_elt\_staging\_%'`).Scan(&staging); err != nil {
			t.Fatal(err)
		}
		if staging > 0 {
			t.Fatalf("%d staging tables survived a killed build", staging)
		}
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM gold.user_session_analysis`).Scan(&n); err != nil {
			return -1
		}
		var sessions int64
		if err := conn.QueryRow(ctx, `SELECT count(DISTINCT session_id) FROM silver.events`).Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		if n != sessions {
			t.Fatalf("a reader sees a mix: gold has %d sessions, silver.events %d", n, sessions)
		}
		return n
	}
	whole := timeElt(t, append(append([]string{}, pg...), "build")...)
	reset := func() {
		for _, s := range []string{"bronze", "silver", "gold", "elt"} {
			if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+s+" CASCADE"); err != nil {
				t.Fatal(err)
			}
		}
		os.Remove(pg[len(pg)-1])
	}
	reset()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 30))
	killed, late := 0, false
	for attempt := 0; killed < 10; attempt++ {
		if attempt == 40 {
			t.Fatalf("only %d of 40 builds were still running when killed", killed)
		}
		if killed == 5 && !late {
			// The rest kill increments: late events arrive.
			mustElt(t, append(append([]string{}, pg...), "build")...)
			mustElt(t, append(base, "generate", "--dirty", "0", "--events", "5000", "--users", "1", "--days", "3", "--seed", "5", "--batch", "late")...)
			late = true
		}
		before := published()
		delay := time.Duration(rng.Int64N(int64(whole)))
		if killAfterStart(t, delay, append(append([]string{}, pg...), "build")...) {
			killed++
		} else if after := published(); after != before {
			t.Logf("the build ended before its kill at %v, and published (%d → %d sessions)", delay, before, after)
		}
		published()
	}
	t.Logf("%d builds killed (a full build takes %v)", killed, whole)
	mustElt(t, append(append([]string{}, pg...), "build")...)
	published()

	ref := append(base, "--warehouse", filepath.Join(t.TempDir(), "ref.duckdb"))
	mustElt(t, append(ref, "build")...)
	wantGold, wantQuarantine, wantCounts := results(t, ref)
	gold, quarantine, counts := results(t, pg)
	if gold != wantGold || quarantine != wantQuarantine || fmtCounts(counts) != fmtCounts(wantCounts) {
		t.Fatalf("after the kills, PostgreSQL's build differs from DuckDB's:\ncounts %s\nwant   %s", fmtCounts(counts), fmtCounts(wantCounts))
	}
}
