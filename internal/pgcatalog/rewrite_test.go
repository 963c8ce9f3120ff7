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
// query (a SELECT node, or a UNION's): what elt's read-only gate lets
// through.
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
	// A UNION is a query too: its node is a set operation's.
	if parsed.Error || len(parsed.Statements) != 1 ||
		(parsed.Statements[0].Node.Type != "SELECT_NODE" && parsed.Statements[0].Node.Type != "SET_OPERATION_NODE") {
		t.Fatalf("not one SELECT (%s): %.300s\n%s", parsed.Msg, out, q)
	}
}

// oidRe finds the oid psql writes into its follow-up queries.
var oidRe = regexp.MustCompile(`'(1\d{4})'`)

// describe runs a \d fixture as psql does: the first query finds the
// relation's oid, which the follow-ups carry as a literal. It returns
// each query's rows.
func describeQueries(t *testing.T, db *warehouse.DB, qs []string) [][][]string {
	t.Helper()
	_, found := run(t, db, qs[0])
	if len(found) != 1 {
		t.Fatalf("the relation's lookup found %v, want one row", found)
	}
	all := [][][]string{found}
	for _, q := range qs[1:] {
		if strings.Contains(q, "pg_get_triggerdef") {
			// Known not to run (pg_partition_ancestors ... WITH
			// ORDINALITY); psql sends it only for a relation with
			// triggers, and relhastriggers is always false.
			all = append(all, nil)
			continue
		}
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

func TestPsqlDescribe(t *testing.T) {
	db := openWarehouse(t)
	// \d's third query: name, format_type, default, not null, collation,
	// identity, generated (\d+ adds storage, compression, stats target,
	// description).
	sessionColumns := [][]string{
		{"session_id", "character varying"},
		{"user_id", "character varying"},
		{"session_start_time", "timestamp without time zone"},
		{"session_duration_seconds", "double precision"},
		{"total_amount", "numeric(18,2)"},
		{"device_type", "character varying"},
		{"is_converted", "boolean"},
	}
	tests := []struct {
		fixture string
		name    string // the relation the first query finds
		kind    string
		columns [][]string
	}{
		{"d_table", "gold user_session_analysis", "r", sessionColumns},
		{"d_table_visible", "gold user_session_analysis", "r", sessionColumns},
		{"dplus_table", "gold user_session_analysis", "r", sessionColumns},
		{"d_table_keyed", "gold user_features", "r", [][]string{
			{"user_id", "character varying"}, {"sessions", "bigint"}, {"last_seen", "timestamp with time zone"},
			{"tags", "character varying[]"}, {"first_day", "date"}, {"score", "integer"}, {"extra", "text"},
		}},
		{"d_view", "gold converted", "v", [][]string{{"session_id", "character varying"}}},
		{"dplus_view", "gold converted", "v", [][]string{{"session_id", "character varying"}}},
	}
	rename := map[string]string{"d_table_keyed": "keyed", "d_view": "v", "dplus_view": "v"}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			// The fixtures name the relations of the PostgreSQL they were
			// captured on; the warehouse's stand in.
			qs := fixture(t, tt.fixture)
			if from, ok := rename[tt.fixture]; ok {
				to := strings.Fields(tt.name)[1]
				qs[0] = strings.ReplaceAll(qs[0], "^("+from+")$", "^("+to+")$")
			}
			path := filepath.Join(t.TempDir(), tt.fixture+".txt")
			var b strings.Builder
			for _, q := range qs {
				b.WriteString("********* QUERY **********\n" + q + "\n**************************\n\n")
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			all := describeQueries(t, db, qs)
			if got := all[0][0][1] + " " + all[0][0][2]; got != tt.name {
				t.Fatalf("found %q, want %q", got, tt.name)
			}
			info := all[1]
			if len(info) != 1 || info[0][1] != tt.kind {
				t.Fatalf("the relation's details %v, want one row of relkind %s", info, tt.kind)
			}
			// relchecks 0, no index, rules, triggers or row security: psql
			// sends no footer query it was not captured sending.
			if fmt.Sprint(info[0][:9]) != "[0 "+tt.kind+" false false false false false false false]" {
				t.Errorf("the relation's details %v", info[0])
			}
			var cols [][]string
			for _, r := range all[2] {
				cols = append(cols, r[:2])
			}
			if fmt.Sprint(cols) != fmt.Sprint(tt.columns) {
				t.Errorf("columns\n%v\nwant\n%v", cols, tt.columns)
			}
			for i, rows := range all[3:] {
				if strings.Contains(qs[3+i], "pg_get_viewdef") {
					if len(rows) != 1 || !strings.Contains(rows[0][0], "SELECT session_id") {
						t.Errorf("the view's definition %v", rows)
					}
					continue
				}
				if len(rows) != 0 {
					t.Errorf("footer query %d returned %v, want none:\n%s", 3+i, rows, qs[3+i])
				}
			}
		})
	}
}

// TestPsqlDescribeDefaults checks \d's columns of a table with a default
// and a NOT NULL: psql shows them from the default and attnotnull columns.
func TestPsqlDescribeDefaults(t *testing.T) {
	db := openWarehouse(t)
	qs := fixture(t, "d_table")
	qs[0] = strings.ReplaceAll(qs[0], "user_session_analysis", "user_features")
	all := describeQueries(t, db, qs)
	got := fmt.Sprint(all[2][:2])
	if want := "[[user_id character varying <nil> true <nil>  ] [sessions bigint 0 false <nil>  ]]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestClientQueries(t *testing.T) {
	db := openWarehouse(t)
	tests := []struct {
		client, text string
		columns      []string
		rows         [][]string
	}{
		{"JDBC", "SHOW TRANSACTION ISOLATION LEVEL", []string{"transaction_isolation"}, [][]string{{"read committed"}}},
		{"Metabase, DBeaver", "SHOW search_path", []string{"search_path"}, [][]string{{"main, bronze, gold, silver"}}},
		{"JDBC", "SELECT version()", nil, [][]string{{"PostgreSQL 15.0 (elt, DuckDB v1.5.2)"}}},
		{"JDBC array probe", "SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid   FROM pg_catalog.pg_type   LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  WHERE pg_type.oid = 1007  ORDER BY sp.r, pg_type.oid DESC;",
			[]string{"is_array", "typtype", "typname", "oid"}, [][]string{{"true", "b", "_int4", "1007"}}},
		{"JDBC getColumns-like", "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid WHERE c.relname = 'user_session_analysis' AND a.attnum = 5",
			nil, [][]string{{"total_amount", "numeric(18,2)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.client+" "+tt.text[:min(len(tt.text), 30)], func(t *testing.T) {
			cols, rows := run(t, db, tt.text)
			if tt.columns != nil && fmt.Sprint(cols) != fmt.Sprint(tt.columns) {
				t.Errorf("columns %q, want %q", cols, tt.columns)
			}
			if tt.client == "JDBC" && strings.HasPrefix(tt.text, "SELECT version") {
				if len(rows) != 1 || !strings.HasPrefix(rows[0][0], "PostgreSQL 15.0 (elt, DuckDB v") {
					t.Errorf("version %v", rows)
				}
				return
			}
			if fmt.Sprint(rows) != fmt.Sprint(tt.rows) {
				t.Errorf("rows %v, want %v", rows, tt.rows)
			}
		})
	}
}

func TestUnknownRunsAsItIs(t *testing.T) {
	for _, text := range []string{
		"SELECT * FROM gold.user_session_analysis",
		"SELECT count(*) FROM silver.events WHERE name ~ 'x'",
		"SELECT current_database()",
		"SHOW TABLES",
		"",
	} {
		if q, ok := Rewrite(text); ok {
			t.Errorf("Rewrite(%q) = %q, true; want false", text, q)
		}
	}
}
