package build

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// The fraud models of the repository's project (gold.fraud_velocity_alerts,
// gold.user_features), built whole and incrementally.

// velocityFiles are transactions, a file each, each case a user: exactly
// 60 s (flagged), 61 s (not), four at one instant (all flagged), three
// (never), and three a late transaction will join (TestVelocityRule).
var velocityFiles = []string{
	`u60,2026-11-01 10:00:00,completed
u60,2026-11-01 10:00:20,failed
u60,2026-11-01 10:00:40,completed
u60,2026-11-01 10:01:00,completed
u61,2026-11-01 10:00:00,completed
u61,2026-11-01 10:00:20,completed
u61,2026-11-01 10:00:40,completed
u61,2026-11-01 10:01:01,completed
same,2026-11-01 11:00:00,completed
same,2026-11-01 11:00:00,failed
same,2026-11-01 11:00:00,completed
same,2026-11-01 11:00:00,pending
three,2026-11-01 12:00:00,completed
three,2026-11-01 12:00:01,completed
three,2026-11-01 12:00:02,completed
late,2026-11-01 13:00:10,completed
late,2026-11-01 13:00:20,completed
late,2026-11-01 13:00:30,completed
`,
}

// velocityProject writes the repository's project with the velocity cases
// as transactions, one file per arrival.
func velocityProject(t *testing.T, files []string) string {
	t.Helper()
	root := testutil.RepoRoot(t)
	proj := t.TempDir()
	testutil.CopyFile(t, filepath.Join(root, "elt.yaml"), filepath.Join(proj, "elt.yaml"))
	testutil.CopyTree(t, filepath.Join(root, "models"), filepath.Join(proj, "models"))
	bronze := filepath.Join(proj, "data", "bronze")
	testutil.MkdirAll(t, filepath.Join(bronze, "events"), filepath.Join(bronze, "users"))
	n := 0
	for k, f := range files {
		var b strings.Builder
		b.WriteString("transaction_id,session_id,user_id,amount,currency,status,transaction_timestamp\n")
		for _, line := range strings.Split(strings.TrimSpace(f), "\n") {
			n++
			parts := strings.Split(line, ",")
			b.WriteString(strings.Join([]string{fmt.Sprintf("t%03d", n), "s-" + parts[0], parts[0], "10.00", "USD", parts[2], parts[1]}, ",") + "\n")
		}
		testutil.WriteFile(t, filepath.Join(bronze, "transactions", fmt.Sprintf("part-%03d.csv", k)), b.String())
	}
	return proj
}

const alertsQuery = "SELECT transaction_id, user_id, transaction_timestamp, transactions_in_window, failed_in_window FROM gold.fraud_velocity_alerts ORDER BY transaction_id"

// TestVelocityRule: the closed 60 s window, its boundaries, same-instant
// transactions, failed attempts counted, a late transaction flagging a
// later one; built file by file it equals one build over all the files.
func TestVelocityRule(t *testing.T) {
	proj := velocityProject(t, velocityFiles)
	p := loadProject(t, proj, "", "")
	query := func(q string) string {
		t.Helper()
		db, err := state.Open(context.Background(), p, state.ReadOnly)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return queryCSV(t, db, q)
	}
	mustBuild(t, p, Options{})
	first := query(alertsQuery)
	want := `transaction_id,user_id,transaction_timestamp,transactions_in_window,failed_in_window
t004,u60,2026-11-01 10:01:00,4,1
t009,same,2026-11-01 11:00:00,4,1
t010,same,2026-11-01 11:00:00,4,1
t011,same,2026-11-01 11:00:00,4,1
t012,same,2026-11-01 11:00:00,4,1
`
	if first != want {
		t.Fatalf("alerts after the first file:\n%s\nwant:\n%s", first, want)
	}
	// The late transaction at 13:00:00 puts four in 13:00:30's window.
	testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "transactions", "part-001.csv"),
		"transaction_id,session_id,user_id,amount,currency,status,transaction_timestamp\nt019,s-late,late,10.00,USD,failed,2026-11-01 13:00:00\n")
	sum := mustBuild(t, p, Options{})
	i := slices.IndexFunc(sum.Models, func(m state.ModelRun) bool { return m.Model == "gold.fraud_velocity_alerts" })
	if i < 0 || sum.Models[i].Materialized != "incremental" {
		t.Fatalf("the second build did not bring the alerts up to date incrementally: %+v", sum.Models)
	}
	after := query(alertsQuery)
	if after != want+"t018,late,2026-11-01 13:00:30,4,1\n" {
		t.Fatalf("alerts after the late transaction:\n%s", after)
	}
	const featuresQuery = "SELECT * FROM gold.user_features ORDER BY user_id"
	features := query(featuresQuery)
	if !strings.Contains(features, "late,4,4,4,2026-11-01 13:00:30,") || !strings.Contains(features, "same,4,4,4,2026-11-01 11:00:00,") {
		t.Fatalf("user features:\n%s", features)
	}
	mustBuild(t, p, Options{FullRefresh: true})
	if full := query(alertsQuery); full != after {
		t.Fatalf("a full rebuild differs:\n%s\nincremental:\n%s", full, after)
	}
	if full := query(featuresQuery); full != features {
		t.Fatalf("user features after a full rebuild differ:\n%s\nincremental:\n%s", full, features)
	}
}

// TestVelocityBuckets: the alerts join a transaction only with those of its
// user in its bucket of time (the window plus a second, counted from the
// epoch) and the one before; over transactions crowded on the buckets'
// edges (to the microsecond, a window after an edge, same instants), they
// are exactly what pairing every two transactions of a user gives, for the
// shipped window and for others set in the model's vars: (none, a second,
// fractional), before 1970 and in year 1, built in two arrivals.
func TestVelocityBuckets(t *testing.T) {
	for _, c := range []struct {
		name      string
		window    string // fraud_window_seconds as the header writes it
		threshold int
		around    time.Time
	}{
		{"shipped 60 s", "60", 3, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{"no window, across 1970", "0", 1, time.Unix(0, 0).UTC()},
		{"1 s, before 1970", "1", 1, time.Date(1901, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"59.5 s, year 1", "59.5", 2, time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(c.name, func(t *testing.T) {
			window, err := strconv.ParseFloat(c.window, 64)
			if err != nil {
				t.Fatal(err)
			}
			winUS := int64(math.Round(window * 1e6))
			bucketUS := winUS + 1e6
			rng := rand.New(rand.NewPCG(29, 61))
			first := int64(math.Floor(float64(c.around.UnixMicro())/float64(bucketUS))) - 100
			const header = "transaction_id,session_id,user_id,amount,currency,status,transaction_timestamp\n"
			files := []*strings.Builder{{}, {}}
			var last int64
			for i := range 3000 {
				at := (first + rng.Int64N(200)) * bucketUS // on an edge
				switch rng.IntN(5) {
				case 1: // a window after an edge, or one before
					at += int64(rng.IntN(3)-1) * winUS
				case 2: // a microsecond either side of an edge or of a window from it
					at += int64(rng.IntN(2))*winUS + int64(rng.IntN(3)-1)
				case 3:
					at += rng.Int64N(bucketUS)
				case 4: // at the same instant as the one before
					if i > 0 {
						at = last
					}
				}
				last = at
				status := []string{"completed", "failed", "pending"}[rng.IntN(3)]
				fmt.Fprintf(files[i%2], "t%05d,s%d,u%d,10.00,USD,%s,%s\n", i, i, rng.IntN(8), status,
					time.UnixMicro(at).UTC().Format("2006-01-02 15:04:05.000000"))
			}
			proj := velocityProject(t, nil)
			model := filepath.Join(proj, "models", "gold", "fraud_velocity_alerts.sql")
			text, err := os.ReadFile(model)
			if err != nil {
				t.Fatal(err)
			}
			sql := string(text)
			for old, repl := range map[string]string{
				"fraud_threshold: 3 ":       fmt.Sprintf("fraud_threshold: %d ", c.threshold),
				"fraud_window_seconds: 60 ": "fraud_window_seconds: " + c.window + " ",
				"range: {min: 4}":           fmt.Sprintf("range: {min: %d}", c.threshold+1),
			} {
				if !strings.Contains(sql, old) {
					t.Fatalf("%s no longer holds %q", model, old)
				}
				sql = strings.Replace(sql, old, repl, 1)
			}
			testutil.WriteFile(t, model, sql)
			p := loadProject(t, proj, "", "")
			for k, f := range files {
				testutil.WriteFile(t, filepath.Join(proj, "data", "bronze", "transactions", fmt.Sprintf("part-%03d.csv", k)), header+f.String())
				mustBuild(t, p, Options{})
			}
			db, err := state.Open(context.Background(), p, state.ReadOnly)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got := queryCSV(t, db, alertsQuery)
			want := queryCSV(t, db, fmt.Sprintf(`SELECT t.transaction_id, t.user_id, t.transaction_timestamp,
				       count(*)::INTEGER AS transactions_in_window, count(*) FILTER (WHERE w.status = 'failed')::INTEGER AS failed_in_window
				FROM silver.transactions AS t JOIN silver.transactions AS w
				  ON w.user_id = t.user_id AND w.transaction_timestamp BETWEEN t.transaction_timestamp - to_seconds(%s) AND t.transaction_timestamp
				GROUP BY ALL HAVING count(*) > %d ORDER BY transaction_id`, c.window, c.threshold))
			if n := queryCSV(t, db, "SELECT count(*) AS n FROM silver.transactions"); n != "n\n3000\n" {
				t.Fatalf("silver.transactions:\n%s", n)
			}
			t.Logf("%d alerts", strings.Count(got, "\n")-1)
			if got != want {
				t.Fatalf("alerts differ from every pair's count:\n%s", testutil.Diff("want", want, "got", got))
			}
			if n := strings.Count(got, "\n") - 1; n < 100 || n > 2900 {
				t.Fatalf("%d alerts of 3000 transactions: the case does not test the edges", n)
			}
		})
	}
}

// TestPlantedFraud: every burst elt generate plants is flagged, and none of
// its near misses (four transactions over 61 s) is.
func TestPlantedFraud(t *testing.T) {
	p := generatedProject(t, gen.Options{Events: 20000, Users: 400, Days: 3, FraudRate: 0.02})
	mustBuild(t, p, Options{})
	db, err := state.Open(context.Background(), p, state.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := queryCSV(t, db, `
		WITH planted AS (SELECT user_id, count(*) AS n FROM silver.transactions WHERE user_id LIKE 'f%' GROUP BY user_id),
		     flagged AS (SELECT user_id, count(*) AS n FROM gold.fraud_velocity_alerts GROUP BY user_id)
		SELECT (SELECT count(*) FROM planted) AS bursts,
		       (SELECT count(*) FROM planted p JOIN flagged f USING (user_id) WHERE f.n = p.n - 3) AS found,
		       (SELECT count(*) FROM flagged WHERE user_id LIKE 'n%') AS near_misses_flagged,
		       (SELECT count(DISTINCT user_id) FROM silver.transactions WHERE user_id LIKE 'n%') AS near_misses`)
	if got != "bursts,found,near_misses_flagged,near_misses\n24,24,0,24\n" {
		t.Fatalf("planted fraud:\n%s", got)
	}
}
