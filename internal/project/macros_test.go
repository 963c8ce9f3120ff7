package project

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	cases := []struct {
		name, text string
		want       []Statement
	}{
		{"two", "CREATE MACRO a(x) AS x;\nCREATE MACRO b(x) AS x + 1;\n",
			[]Statement{{SQL: "CREATE MACRO a(x) AS x", Line: 1}, {SQL: "CREATE MACRO b(x) AS x + 1", Line: 2}}},
		{"comments and blank lines", "-- one; not a split\n\n/* two;\nlines */\nCREATE MACRO a(x) AS\n  x;  -- trailing\n",
			[]Statement{{SQL: "CREATE MACRO a(x) AS\n  x", Line: 5}}},
		{"semicolons in quotes", "CREATE MACRO s() AS 'a;b''c;';\nCREATE MACRO q() AS \"x;y\";",
			[]Statement{{SQL: "CREATE MACRO s() AS 'a;b''c;'", Line: 1}, {SQL: "CREATE MACRO q() AS \"x;y\"", Line: 2}}},
		{"no final semicolon", "\n\nCREATE MACRO a() AS 1", []Statement{{SQL: "CREATE MACRO a() AS 1", Line: 3}}},
		{"empty", " ;\n; -- nothing\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := SplitStatements(tc.text); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestTargetsAndVars(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ConfigFile), `version: 1
paths:
  warehouse: data/dev.duckdb
vars: {region: eu, limit: 5}
targets:
  prod:
    paths: {warehouse: data/prod.duckdb}
    duckdb: {threads: 4}
    vars: {limit: 50}
`)
	writeFile(t, filepath.Join(dir, "models", "gold", "a.sql"), "/*\nvars: {region: us}\n*/\nSELECT getvariable('region') AS r\n")
	writeFile(t, filepath.Join(dir, "models", "gold", "b.sql"), "SELECT getvariable('limit') AS l\n")
	for _, tc := range []struct {
		name      string
		o         Overrides
		warehouse string
		threads   int
		a, b      map[string]any
	}{
		{"plain", Overrides{}, "data/dev.duckdb", 0, map[string]any{"region": "us", "limit": 5}, map[string]any{"region": "eu", "limit": 5}},
		{"prod", Overrides{Target: "prod"}, "data/prod.duckdb", 4, map[string]any{"region": "us", "limit": 50}, map[string]any{"region": "eu", "limit": 50}},
		{"prod and --var", Overrides{Target: "prod", Vars: map[string]any{"limit": 7.0}, Threads: 1}, "data/prod.duckdb", 1,
			map[string]any{"region": "us", "limit": 7.0}, map[string]any{"region": "eu", "limit": 7.0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Load(dir, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if p.Config.Paths.Warehouse != tc.warehouse || p.Config.DuckDB.Threads != tc.threads {
				t.Errorf("warehouse %s threads %d", p.Config.Paths.Warehouse, p.Config.DuckDB.Threads)
			}
			if a := p.Models[0].Header.Vars; !reflect.DeepEqual(a, tc.a) {
				t.Errorf("gold.a vars %v, want %v", a, tc.a)
			}
			if b := p.Models[1].Header.Vars; !reflect.DeepEqual(b, tc.b) {
				t.Errorf("gold.b vars %v, want %v", b, tc.b)
			}
		})
	}
	if _, err := Load(dir, Overrides{Target: "staging"}); err == nil || err.Error() != `no target "staging" in elt.yaml: the targets are prod` {
		t.Errorf("an unknown target: %v", err)
	}
	if _, err := Load(dir, Overrides{Threads: 5000}); err == nil {
		t.Error("--threads 5000 should be refused")
	}
}

func TestSeeds(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "seeds", "ref", "fx.csv"), "c,r\n")
	writeFile(t, filepath.Join(dir, "seeds", "stray.csv"), "c\n")
	_, err := LoadSeeds(dir, map[string]SeedConfig{"ref.fx": {ColumnTypes: map[string]string{"c": "VARCHAR"}}, "ref.gone": {}})
	if err == nil || !contains(err.Error(), "seeds/stray.csv: a seed must be seeds/<schema>/<name>.csv") || !contains(err.Error(), "seeds: ref.gone has no file seeds/ref/gone.csv") {
		t.Errorf("errors: %v", err)
	}
	if got := SeedSQL("seeds/ref/it's.csv", map[string]string{"b": "INTEGER", "a": "VARCHAR"}); got != `SELECT * FROM read_csv('seeds/ref/it''s.csv', header = true, delim = ',', quote = '"', escape = '"', types = {'a': 'VARCHAR', 'b': 'INTEGER'})` {
		t.Errorf("seed SQL: %s", got)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// A build creates the macros each time: CREATE MACRO becomes CREATE OR
// REPLACE MACRO; anything but a macro is an error at its line.
func TestLoadMacros(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, MacroDir, "a.sql"), "create macro one() as 1;\nCREATE OR REPLACE TEMP MACRO two() AS 2;\n")
	ms, err := LoadMacros(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := []Statement{ms[0].Statements[0], ms[0].Statements[1]}
	want := []Statement{{SQL: "create OR REPLACE macro one() as 1", Line: 1, Name: "one", Shift: 11}, {SQL: "CREATE OR REPLACE TEMP MACRO two() AS 2", Line: 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	writeFile(t, filepath.Join(dir, MacroDir, "b.sql"), "-- x\nSELECT 1;\n")
	if _, err := LoadMacros(dir); err == nil || !strings.Contains(err.Error(), "macros/b.sql:2:1: a macro file holds only CREATE MACRO statements") {
		t.Errorf("a SELECT in a macro file: %v", err)
	}
}
