package pgcatalog

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

// openWarehouse is a warehouse file with the schemas and tables of elt's
// sample project (and a view), opened as elt opens it.
func openWarehouse(t *testing.T) *warehouse.DB {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "warehouse.duckdb"), warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range []string{
		"CREATE SCHEMA bronze", "CREATE SCHEMA silver", "CREATE SCHEMA gold",
		"CREATE TABLE bronze.events (event_id VARCHAR, payload JSON)",
		"CREATE TABLE gold.user_session_analysis (session_id VARCHAR, user_id VARCHAR, session_start_time TIMESTAMP, " +
			"session_duration_seconds DOUBLE, total_amount DECIMAL(18,2), device_type VARCHAR, is_converted BOOLEAN)",
		"CREATE TABLE gold.user_features (user_id VARCHAR NOT NULL, sessions BIGINT DEFAULT 0, last_seen TIMESTAMPTZ, " +
			"tags VARCHAR[], first_day DATE, score INTEGER, extra STRUCT(a INTEGER))",
		"CREATE VIEW gold.converted AS SELECT session_id FROM gold.user_session_analysis WHERE is_converted",
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// fixture is the queries psql 15 sent for one command, as psql -E
// (ECHO_HIDDEN) printed them against PostgreSQL 15.
func fixture(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "psql", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, block := range strings.Split(string(b), "********* QUERY **********\n")[1:] {
		q, _, ok := strings.Cut(block, "\n**************************\n")
		if !ok {
			t.Fatalf("%s: a query without its closing line", name)
		}
		qs = append(qs, q)
	}
	return qs
}

// run rewrites text, checks the rewrite is one SELECT to DuckDB's parser,
// runs it and returns its columns and rows as text (NULL as "<nil>").
func run(t *testing.T, db *warehouse.DB, text string) ([]string, [][]string) {
	t.Helper()
	ctx := context.Background()
	q, ok := Rewrite(text)
	if !ok {
		t.Fatalf("Rewrite does not know\n%s", text)
	}
	assertOneSelect(t, db, q)
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("%v\nquery sent:\n%s\nrewritten:\n%s", err, text, q)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		v := make([]any, len(cols))
		p := make([]any, len(cols))
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(v))
		for i, x := range v {
			row[i] = fmt.Sprint(x)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%v\nrewritten:\n%s", err, q)
	}
	return cols, out
}

// assertOneSelect checks that DuckDB's parser reads q as exactly one
// SELECT node: what elt's read-only gate lets through.
func assertOneSelect(t *testing.T, db *warehouse.DB, q string) {
	t.Helper()
	var out string
	if err := db.QueryRowContext(context.Background(), "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", q).Scan(&out); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Error      bool   `json:"error"`
		Msg        string `json:"error_message"`
		Statements []struct {
			Node struct {
				Type string `json:"type"`
			} `json:"node"`
		} `json:"statements"`
	}
	if err := json.Unmarshal([]byte(out), &parsed); err != nil {
		t.Fatal(err)
	}
	if parsed.Error || len(parsed.Statements) != 1 || parsed.Statements[0].Node.Type != "SELECT_NODE" {
		t.Fatalf("not one SELECT (%s): %.300s\n%s", parsed.Msg, out, q)
	}
}

// oidRe finds the oid psql writes into its follow-up queries.
var oidRe = regexp.MustCompile(`'(1\d{4})'`)

// describe runs a \d fixture as psql does: the first query finds the
// relation's oid, which the follow-ups carry as a literal. It returns
// each query's rows.
func describe(t *testing.T, db *warehouse.DB, name string) [][][]string {
	t.Helper()
	qs := fixture(t, name)
	_, found := run(t, db, qs[0])
	if len(found) != 1 {
		t.Fatalf("%s: the relation's lookup found %v, want one row", name, found)
	}
	all := [][][]string{found}
	for _, q := range qs[1:] {
		_, rows := run(t, db, oidRe.ReplaceAllString(q, "'"+found[0][0]+"'"))
		all = append(all, rows)
	}
	return all
}

func TestPsqlLists(t *testing.T) {
	db := openWarehouse(t)
	user := "duckdb" // DuckDB's current_user: the owner of everything
	tests := []struct {
		fixture string
		columns []string
		rows    [][]string
	}{
		{"dt", []string{"Schema", "Name", "Type", "Owner"}, [][]string{
			{"bronze", "events", "table", user},
			{"gold", "user_features", "table", user},
			{"gold", "user_session_analysis", "table", user},
		}},
		{"dt_gold", []string{"Schema", "Name", "Type", "Owner"}, [][]string{
			{"gold", "user_features", "table", user},
			{"gold", "user_session_analysis", "table", user},
		}},
		{"d", []string{"Schema", "Name", "Type", "Owner"}, [][]string{
			{"bronze", "events", "table", user},
			{"gold", "converted", "view", user},
			{"gold", "user_features", "table", user},
			{"gold", "user_session_analysis", "table", user},
		}},
		{"dv", []string{"Schema", "Name", "Type", "Owner"}, [][]string{{"gold", "converted", "view", user}}},
		{"dv_gold", []string{"Schema", "Name", "Type", "Owner"}, [][]string{{"gold", "converted", "view", user}}},
		{"dn", []string{"Name", "Owner"}, [][]string{{"bronze", user}, {"gold", user}, {"main", user}, {"silver", user}}},
		{"dtplus", []string{"Schema", "Name", "Type", "Owner", "Persistence", "Access method", "Size", "Description"}, [][]string{
			{"bronze", "events", "table", user, "permanent", "duckdb", "<nil>", "<nil>"},
			{"gold", "user_features", "table", user, "permanent", "duckdb", "<nil>", "<nil>"},
			{"gold", "user_session_analysis", "table", user, "permanent", "duckdb", "<nil>", "<nil>"},
		}},
		{"l", []string{"Name", "Owner", "Encoding", "Collate", "Ctype", "ICU Locale", "Locale Provider", "Access privileges"}, [][]string{
			{"warehouse", user, "UTF8", "C", "C", "<nil>", "libc", "<nil>"},
		}},
		{"di", []string{"Schema", "Name", "Type", "Owner", "Table"}, nil},
		{"ds", []string{"Schema", "Name", "Type", "Owner"}, nil},
		{"dm", []string{"Schema", "Name", "Type", "Owner"}, nil},
		{"du", []string{"rolname", "rolsuper", "rolinherit", "rolcreaterole", "rolcreatedb", "rolcanlogin", "rolconnlimit",
			"rolvaliduntil", "memberof", "rolreplication", "rolbypassrls"}, [][]string{
			{user, "true", "true", "false", "false", "true", "-1", "<nil>", "[]", "false", "false"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			qs := fixture(t, tt.fixture)
			if len(qs) != 1 {
				t.Fatalf("%d queries, want 1", len(qs))
			}
			cols, rows := run(t, db, qs[0])
			if fmt.Sprint(cols) != fmt.Sprint(tt.columns) {
				t.Errorf("columns %q, want %q", cols, tt.columns)
			}
			if fmt.Sprint(rows) != fmt.Sprint(tt.rows) {
				t.Errorf("rows\n%v\nwant\n%v", rows, tt.rows)
			}
		})
	}
}
