package compile

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden SQL of testdata/*.sql")

// goldenProject is one project whose models cover each way a model is
// built: whole (table, view), merged from sources (order_by, vars, a
// mixed-case key, a model read by name without a schema) and recomputed
// for affected keys (keyed inputs, none, one read twice).
var goldenProject = map[string]string{
	"silver.users": "/*\nmaterialized: incremental\nunique_key: user_id\norder_by: updated_at DESC, _line DESC\n*/\n" +
		"SELECT user_id, name, updated_at, _line FROM bronze.users;\n",
	"silver.events": "/*\nmaterialized: incremental\nunique_key: Event_Id\norder_by: ts\nvars:\n  min_ts: '2026-01-01'\n  limit: 5\n  strict: true\n*/\n" +
		"SELECT e.Event_Id, e.user_id, e.ts\nFROM bronze.events AS e\nWHERE e.ts >= getvariable('min_ts')::TIMESTAMP;;  \n",
	"gold.user_events": "/*\nmaterialized: incremental\nunique_key: user_id\naffected_keys: |\n  SELECT user_id FROM changes_silver__events\n  UNION SELECT user_id FROM changes_silver__users\n" +
		"keyed_inputs: [silver.events, silver.users]\n*/\n" +
		"SELECT u.user_id, u.name, count(e.Event_Id) AS events\nFROM silver.users AS u LEFT JOIN silver.events e ON e.user_id = u.user_id\nGROUP BY ALL\n",
	"gold.totals": "/*\nmaterialized: incremental\nunique_key: day\naffected_keys: SELECT DISTINCT CAST(ts AS DATE) FROM changes_silver__events\n*/\n" +
		"SELECT CAST(ts AS DATE) AS day, count(*) AS n FROM silver.events GROUP BY ALL\n",
	"gold.pairs": "/*\nmaterialized: incremental\nunique_key: user_id\naffected_keys: SELECT user_id FROM changes_silver__users\nkeyed_inputs: [silver.users]\n*/\n" +
		"SELECT a.user_id, count(*) AS n FROM silver.users AS a JOIN silver.users b USING (user_id) GROUP BY a.user_id\n",
	"gold.summary": "/*\nmaterialized: table\nvars:\n  label: it's\n*/\nSELECT getvariable('label') AS label, count(*) AS n FROM gold.user_events;\n",
	"gold.recent":  "/*\nmaterialized: view\n*/\n\nSELECT * FROM silver.events\nWHERE ts > now() - INTERVAL 1 DAY\n",
}

// compiled writes a model's statements as a SQL file: those that build it
// whole, then, for an incremental model, those that bring it up to date
// after run 7, each headed by its step and followed by the query that
// looks for duplicate keys after it, if any.
func compiled(t *testing.T, g *plan.Graph, id string) string {
	t.Helper()
	n := g.Nodes[id]
	if n == nil {
		t.Fatalf("no model %s", id)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- %s built whole (Statements)\n", id)
	for _, s := range Statements(n.Model) {
		b.WriteString(s + ";\n")
	}
	if n.Model.Header.Materialized != "incremental" {
		return b.String()
	}
	steps, err := IncrementalSteps(g, n, 7)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "\n-- %s brought up to date after run 7 (IncrementalSteps)\n", id)
	for _, s := range steps {
		name := s.Name
		if name == "" {
			name = "setting"
		}
		fmt.Fprintf(&b, "\n-- step %s\n", name)
		if s.When != "" {
			fmt.Fprintf(&b, "-- only when: %s\n", s.When)
		}
		fmt.Fprintf(&b, "%s;\n", s.SQL)
		if s.Duplicates != "" {
			fmt.Fprintf(&b, "-- duplicates after %s\n%s;\n", name, s.Duplicates)
		}
	}
	return b.String()
}

// TestGoldenSQL: every model of goldenProject compiles to exactly the SQL
// of testdata/<schema>.<name>.sql (go test ./internal/compile -run
// TestGoldenSQL -update rewrites them; read the diff before committing).
// The files keep the header comment blanked to spaces, as the statements
// do (errors are placed by line and column): an editor must not strip
// their trailing spaces.
func TestGoldenSQL(t *testing.T) {
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := plan.New(context.Background(), db, testutil.Models(t, goldenProject), []string{"bronze.users", "bronze.events"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for id := range goldenProject {
		t.Run(id, func(t *testing.T) {
			got := compiled(t, g, id)
			path := filepath.Join("testdata", id+".sql")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./internal/compile -run TestGoldenSQL -update writes it)", err)
			}
			if d := testutil.Diff(path, string(want), "compiled", got); d != "" {
				t.Errorf("the compiled SQL differs (-update rewrites it):\n%s", d)
			}
		})
	}
}

// TestGoldenSQLRuns: the statements of the golden files run in DuckDB, in
// build order on one connection as a build runs them: every model built
// whole over the rows of run 1, then, with rows of run 8 arrived, each
// incremental model brought up to date after run 7; the merged and
// recomputed rows are those a whole build of the same rows gives.
func TestGoldenSQLRuns(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := plan.New(ctx, db, testutil.Models(t, goldenProject), []string{"bronze.users", "bronze.events"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	run := func(stmts ...string) {
		t.Helper()
		for _, s := range stmts {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				t.Fatalf("%v\n%s", err, s)
			}
		}
	}
	run("CREATE SCHEMA bronze",
		"CREATE TABLE bronze.users (user_id VARCHAR, name VARCHAR, updated_at TIMESTAMP, _line INTEGER, _run_id BIGINT)",
		"CREATE TABLE bronze.events (Event_Id VARCHAR, user_id VARCHAR, ts TIMESTAMP, _run_id BIGINT)",
		"INSERT INTO bronze.users VALUES ('u1', 'ana', '2026-01-01', 1, 1), ('u2', 'bo', '2026-01-01', 2, 1)",
		"INSERT INTO bronze.events VALUES ('e1', 'u1', '2026-01-02', 1), ('e2', 'u2', '2026-01-03', 1), ('e0', 'u2', '2025-12-01', 1)")
	for _, id := range g.Order {
		run(Statements(g.Nodes[id].Model)...)
	}
	run("INSERT INTO bronze.users VALUES ('u1', 'ana 2', '2026-02-01', 1, 8), ('u1', 'ana 0', '2025-02-01', 2, 8)",
		"INSERT INTO bronze.events VALUES ('e3', 'u1', '2026-02-02', 8), ('e4', 'u3', '2025-01-01', 8)")
	for _, id := range g.Order {
		if g.Nodes[id].Model.Header.Materialized != "incremental" {
			continue
		}
		steps, err := IncrementalSteps(g, g.Nodes[id], 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range steps {
			ok, err := st.Runs(ctx, conn)
			if err != nil {
				t.Fatalf("%s %s: %v", id, st.Name, err)
			}
			if ok {
				run(st.SQL)
			}
		}
	}
	for _, tc := range []struct{ query, want string }{
		{"SELECT string_agg(user_id || '=' || name, ' ' ORDER BY user_id) FROM silver.users", "u1=ana 2 u2=bo"},
		{"SELECT string_agg(Event_Id, ' ' ORDER BY Event_Id) FROM silver.events", "e1 e2 e3"},
		{"SELECT string_agg(user_id || ':' || name || ':' || events, ' ' ORDER BY user_id) FROM gold.user_events", "u1:ana 2:2 u2:bo:1"},
		{"SELECT string_agg(day || ':' || n, ' ' ORDER BY day) FROM gold.totals", "2026-01-02:1 2026-01-03:1 2026-02-02:1"},
		{"SELECT string_agg(user_id || ':' || n, ' ' ORDER BY user_id) FROM gold.pairs", "u1:1 u2:1"},
		// The change sets hold the touched keys' rows before and after.
		{"SELECT string_agg(name, ' ' ORDER BY name) FROM changes_silver__users", "ana ana 2"},
		{"SELECT string_agg(user_id || ':' || events, ' ' ORDER BY events) FROM changes_gold__user_events", "u1:1 u1:2"},
	} {
		var got string
		if err := conn.QueryRowContext(ctx, tc.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if got != tc.want {
			t.Errorf("%s\n got %q\nwant %q", tc.query, got, tc.want)
		}
	}
}
