package compile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// graph plans models with an in-memory DuckDB as the parser.
func graph(t *testing.T, defs map[string]string) *plan.Graph {
	t.Helper()
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := plan.New(context.Background(), db, testutil.Models(t, defs), []string{"bronze.users"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestStatements: each model's statements, whole and incremental, exactly.
func TestStatements(t *testing.T) {
	g := graph(t, map[string]string{
		"silver.users": "/*\nmaterialized: incremental\nunique_key: user_id\norder_by: updated_at DESC\n*/\nSELECT * FROM bronze.users;\n",
		"gold.users": "/*\nmaterialized: incremental\nunique_key: user_id\naffected_keys: SELECT user_id FROM changes_silver__users\n" +
			"keyed_inputs: [silver.users]\n*/\nSELECT user_id, count(*) AS n FROM silver.users GROUP BY user_id",
		"gold.pairs": "/*\nmaterialized: incremental\nunique_key: user_id\naffected_keys: SELECT user_id FROM changes_silver__users\n" +
			"keyed_inputs: [silver.users]\n*/\nSELECT a.user_id, count(*) AS n FROM silver.users AS a JOIN silver.users b USING (user_id) GROUP BY a.user_id",
	})
	for _, tc := range []struct {
		id   string
		want []string
	}{
		{"silver.users", []string{
			`SET schema = 'silver'`,
			`CREATE OR REPLACE TEMP TABLE elt_new AS ` + strings.Repeat("\n", 5) + `SELECT * FROM (SELECT * FROM "bronze"."users" WHERE _run_id > 7) AS "users"`,
			`CREATE OR REPLACE TEMP TABLE "changes_silver__users" AS SELECT * FROM "silver"."users" WHERE "user_id" IN (SELECT "user_id" FROM elt_new WHERE "user_id" IS NOT DISTINCT FROM "user_id")` +
				"\nUNION ALL BY NAME SELECT * FROM \"silver\".\"users\" AS elt_t SEMI JOIN (SELECT \"user_id\" FROM elt_new WHERE \"user_id\" IS NULL LIMIT 1) AS elt_n ON elt_t.\"user_id\" IS NOT DISTINCT FROM elt_n.\"user_id\"",
			"DELETE FROM \"silver\".\"users\" WHERE \"user_id\" IN (SELECT \"user_id\" FROM elt_new WHERE \"user_id\" IS NOT DISTINCT FROM \"user_id\");\n" +
				"DELETE FROM \"silver\".\"users\" WHERE \"user_id\" IS NULL AND EXISTS (SELECT 1 FROM elt_new WHERE \"user_id\" IS NULL)",
			"INSERT INTO \"silver\".\"users\" BY NAME SELECT * FROM (SELECT * FROM \"changes_silver__users\" UNION ALL BY NAME SELECT * FROM elt_new) AS candidates\n" +
				"QUALIFY row_number() OVER (PARTITION BY \"user_id\" ORDER BY updated_at DESC\n) = 1",
			`INSERT INTO "silver"."users" BY NAME SELECT * FROM elt_new`,
			"INSERT INTO \"changes_silver__users\" BY NAME SELECT * FROM \"silver\".\"users\" WHERE \"user_id\" IN (SELECT \"user_id\" FROM elt_new WHERE \"user_id\" IS NOT DISTINCT FROM \"user_id\")" +
				"\nUNION ALL BY NAME SELECT * FROM \"silver\".\"users\" AS elt_t SEMI JOIN (SELECT \"user_id\" FROM elt_new WHERE \"user_id\" IS NULL LIMIT 1) AS elt_n ON elt_t.\"user_id\" IS NOT DISTINCT FROM elt_n.\"user_id\"",
			"DROP TABLE \"changes_silver__users\";\nALTER TABLE elt_new RENAME TO \"changes_silver__users\"",
			`DROP TABLE IF EXISTS elt_new`,
		}},
		{"gold.users", []string{
			`SET schema = 'gold'`,
			"CREATE OR REPLACE TEMP TABLE elt_keys AS SELECT DISTINCT k FROM (SELECT user_id FROM changes_silver__users\n) AS affected(k)",
			`CREATE OR REPLACE TEMP TABLE "changes_gold__users" AS SELECT * FROM "gold"."users" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k)`,
			`INSERT INTO "changes_gold__users" BY NAME SELECT * FROM "gold"."users" WHERE "user_id" IS NULL`,
			`DELETE FROM "gold"."users" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k)`,
			`DELETE FROM "gold"."users" WHERE "user_id" IS NULL`,
			`CREATE OR REPLACE TEMP TABLE elt_rows AS WITH "elt_keyed_silver__users" AS (SELECT * FROM "silver"."users" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k))
SELECT * FROM (` + strings.Repeat("\n", 6) + `SELECT user_id, count(*) AS n FROM "elt_keyed_silver__users" AS "users" GROUP BY user_id) AS model WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k)`,
			`INSERT INTO elt_rows BY NAME WITH "elt_keyed_silver__users" AS (SELECT * FROM "silver"."users" WHERE "user_id" IS NULL) SELECT * FROM ( SELECT user_id, count(*) AS n FROM "elt_keyed_silver__users" AS "users" GROUP BY user_id) AS model WHERE "user_id" IS NULL`,
			`INSERT INTO "gold"."users" BY NAME SELECT * FROM elt_rows`,
			`INSERT INTO "changes_gold__users" BY NAME SELECT * FROM elt_rows`,
			`DROP TABLE elt_keys`,
			`DROP TABLE elt_rows`,
		}},
		// A keyed input read twice is filtered once, and each reference
		// keeps its alias.
		{"gold.pairs", []string{
			`SET schema = 'gold'`,
			"CREATE OR REPLACE TEMP TABLE elt_keys AS SELECT DISTINCT k FROM (SELECT user_id FROM changes_silver__users\n) AS affected(k)",
			`CREATE OR REPLACE TEMP TABLE "changes_gold__pairs" AS SELECT * FROM "gold"."pairs" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k)`,
			`INSERT INTO "changes_gold__pairs" BY NAME SELECT * FROM "gold"."pairs" WHERE "user_id" IS NULL`,
			`DELETE FROM "gold"."pairs" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k)`,
			`DELETE FROM "gold"."pairs" WHERE "user_id" IS NULL`,
			`CREATE OR REPLACE TEMP TABLE elt_rows AS WITH "elt_keyed_silver__users" AS (SELECT * FROM "silver"."users" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k))
SELECT * FROM (` + strings.Repeat("\n", 6) + `SELECT a.user_id, count(*) AS n FROM "elt_keyed_silver__users" AS a JOIN "elt_keyed_silver__users" b USING (user_id) GROUP BY a.user_id) AS model WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k)`,
			`INSERT INTO elt_rows BY NAME WITH "elt_keyed_silver__users" AS (SELECT * FROM "silver"."users" WHERE "user_id" IS NULL) SELECT * FROM ( SELECT a.user_id, count(*) AS n FROM "elt_keyed_silver__users" AS a JOIN "elt_keyed_silver__users" b USING (user_id) GROUP BY a.user_id) AS model WHERE "user_id" IS NULL`,
			`INSERT INTO "gold"."pairs" BY NAME SELECT * FROM elt_rows`,
			`INSERT INTO "changes_gold__pairs" BY NAME SELECT * FROM elt_rows`,
			`DROP TABLE elt_keys`,
			`DROP TABLE elt_rows`,
		}},
	} {
		steps, err := IncrementalSteps(g, g.Nodes[tc.id], 7)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, st := range steps {
			got = append(got, st.SQL)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %d statements, want %d:\n%s", tc.id, len(got), len(tc.want), strings.Join(got, ";\n"))
		}
		for i := range got {
			if strings.TrimLeft(got[i], " ") != tc.want[i] && strings.Join(strings.Fields(got[i]), " ") != strings.Join(strings.Fields(tc.want[i]), " ") {
				t.Errorf("%s statement %d:\ngot  %q\nwant %q", tc.id, i+1, got[i], tc.want[i])
			}
		}
	}
	// The NULL key's steps of a recompute run only when an affected key is
	// NULL; a merge's insert and after only when a stored row competes, and
	// their _new forms only when none does; the other steps always.
	competes := `SELECT EXISTS (SELECT 1 FROM "changes_silver__users")`
	for _, tc := range []struct {
		id   string
		want map[string]string // step: its condition
	}{
		{"silver.users", map[string]string{"insert": competes, "after": competes,
			"insert_new": "SELECT NOT EXISTS (SELECT 1 FROM \"changes_silver__users\")", "after_new": "SELECT NOT EXISTS (SELECT 1 FROM \"changes_silver__users\")"}},
		{"gold.users", map[string]string{"before_null": nullAffected, "delete_null": nullAffected, "rows_null": nullAffected}},
	} {
		steps, err := IncrementalSteps(g, g.Nodes[tc.id], 7)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, st := range steps {
			if st.When != "" {
				got[st.Name] = st.When
			}
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s: steps run on a condition %q, want %q", tc.id, got, tc.want)
		}
	}
	whole := Statements(g.Nodes["silver.users"].Model)
	if whole[2] != `CREATE OR REPLACE TABLE "silver"."users" AS `+strings.TrimRight(g.Nodes["silver.users"].Model.Body, ";\n") {
		t.Errorf("whole: %q", whole[2])
	}
	if BodyOffset(g.Nodes["silver.users"].Model) != len(`CREATE OR REPLACE TABLE "silver"."users" AS `) {
		t.Errorf("offset %d", BodyOffset(g.Nodes["silver.users"].Model))
	}
}

// TestKeyedReadsBloomFiltered runs an increment's steps, the reads of the
// keys it touched under EXPLAIN ANALYZE, and finds in each plan the Bloom
// filter DuckDB pushed into the scan (affected): the merge's reads of the
// keys of elt_new and the recompute's of its affected keys. The same read
// without the filter on the keys gets none, which is why it is there. A
// merge of new ids alone then takes its _new steps.
func TestKeyedReadsBloomFiltered(t *testing.T) {
	defs := map[string]string{
		"silver.users": "/*\nmaterialized: incremental\nunique_key: user_id\norder_by: updated_at DESC\n*/\nSELECT * FROM bronze.users;\n",
		"gold.users": "/*\nmaterialized: incremental\nunique_key: user_id\naffected_keys: SELECT user_id FROM changes_silver__users\n" +
			"keyed_inputs: [silver.users]\n*/\nSELECT user_id, count(*) AS n FROM silver.users GROUP BY user_id",
	}
	g := graph(t, defs)
	db := testutil.MemoryDB(t)
	ctx := context.Background()
	for _, s := range []string{
		"CREATE SCHEMA bronze", "CREATE SCHEMA silver", "CREATE SCHEMA gold",
		// 20,000 users of one row each, then 100 changed by run 8.
		"CREATE TABLE bronze.users AS SELECT 'u' || i AS user_id, TIMESTAMP '2026-11-01' + INTERVAL (i) SECOND AS updated_at, 7 AS _run_id FROM range(20000) AS r(i)",
		"INSERT INTO bronze.users SELECT 'u' || (i * 97), TIMESTAMP '2026-12-01', 8 FROM range(100) AS r(i)",
		"CREATE TABLE silver.users AS SELECT * FROM bronze.users WHERE _run_id = 7",
		"CREATE TABLE gold.users AS SELECT user_id, count(*) AS n FROM silver.users GROUP BY user_id",
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	runs := func(st Step) bool {
		run, err := st.Runs(ctx, conn)
		if err != nil {
			t.Fatalf("%s: %v", st.When, err)
		}
		return run
	}
	plan := func(s string) string {
		var kind, text string
		if err := conn.QueryRowContext(ctx, "EXPLAIN ANALYZE "+s).Scan(&kind, &text); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
		return text
	}
	for _, tc := range []struct {
		id    string
		reads []string // the steps that read by key
	}{
		{"silver.users", []string{"before", "delete", "after"}},
		{"gold.users", []string{"before", "delete", "rows"}},
	} {
		steps, err := IncrementalSteps(g, g.Nodes[tc.id], 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range steps {
			if !runs(st) {
				continue
			}
			if !slices.Contains(tc.reads, st.Name) {
				if _, err := conn.ExecContext(ctx, st.SQL); err != nil {
					t.Fatalf("%s %s: %v", tc.id, st.Name, err)
				}
				continue
			}
			// A step of two statements: the first reads by key.
			first, rest, _ := strings.Cut(st.SQL, ";\n")
			if p := plan(first); !strings.Contains(p, "BF(") {
				t.Errorf("%s %s: no Bloom filter in the plan:\n%s", tc.id, st.Name, p)
			}
			if tc.id == "gold.users" && st.Name == "before" {
				if p := plan("SELECT * FROM gold.users WHERE user_id IN (SELECT k FROM elt_keys)"); strings.Contains(p, "BF(") {
					t.Errorf("DuckDB pushes a Bloom filter for the keys read plainly too: affected need not filter them\n%s", p)
				}
			}
			if rest != "" {
				if _, err := conn.ExecContext(ctx, rest); err != nil {
					t.Fatalf("%s %s: %v", tc.id, st.Name, err)
				}
			}
		}
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM silver.users WHERE updated_at = TIMESTAMP '2026-12-01'").Scan(&n); err != nil || n != 100 {
		t.Errorf("merged rows: %d, %v; want 100", n, err)
	}
	// Run 9 brings only new ids, the NULL key's first row among them: no
	// stored row competes, and the _new steps insert elt_new's rows and
	// take the change set's from it.
	if _, err := conn.ExecContext(ctx, "INSERT INTO bronze.users SELECT 'n' || i, TIMESTAMP '2026-12-02', 9 FROM range(49) AS r(i) UNION ALL SELECT NULL, TIMESTAMP '2026-12-02', 9"); err != nil {
		t.Fatal(err)
	}
	steps, err := IncrementalSteps(g, g.Nodes["silver.users"], 8)
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	for _, st := range steps {
		if runs(st) {
			ran = append(ran, st.Name)
			if _, err := conn.ExecContext(ctx, st.SQL); err != nil {
				t.Fatalf("%s: %v", st.Name, err)
			}
		}
	}
	if want := []string{"", "new", "before", "delete", "insert_new", "after_new", "done"}; !slices.Equal(ran, want) {
		t.Errorf("steps run: %q, want %q", ran, want)
	}
	var rows, changes int
	if err := conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM silver.users), (SELECT count(*) FROM "changes_silver__users" WHERE coalesce(user_id LIKE 'n%', true) AND updated_at = TIMESTAMP '2026-12-02')`).Scan(&rows, &changes); err != nil || rows != 20050 || changes != 50 {
		t.Errorf("after run 9: %d rows, %d in the change set, %v; want 20050 and 50", rows, changes, err)
	}
	// That change set is elt_new renamed: the table's columns and types,
	// and no elt_new left behind.
	var table, changeSet string
	var left int
	cols := func(schema, name string) string {
		return fmt.Sprintf("(SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '%s' AND table_name = '%s')", schema, name)
	}
	if err := conn.QueryRowContext(ctx, "SELECT "+cols("silver", "users")+", "+cols("main", "changes_silver__users")+
		", (SELECT count(*) FROM duckdb_tables() WHERE table_name = 'elt_new')").Scan(&table, &changeSet, &left); err != nil {
		t.Fatal(err)
	}
	if table == "" || changeSet != table || left != 0 {
		t.Errorf("change set's columns %q, the table's %q, elt_new left %d times; want the same columns and none", changeSet, table, left)
	}
}
