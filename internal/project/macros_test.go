package project

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

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
	if got := SeedSQL("seeds/ref/it's.csv", map[string]string{"b": "INTEGER", "a": "VARCHAR"}); got != `SELECT * FROM read_csv('seeds/ref/it''s.csv', header = true, types = {'a': 'VARCHAR', 'b': 'INTEGER'})` {
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

// LoadMacros reads macros/*.sql whole, by path; DuckDB's parser separates
// their statements when the project is planned (plan.Macros).
func TestLoadMacros(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, MacroDir, "b.sql"), "SELECT 1;\n")
	writeFile(t, filepath.Join(dir, MacroDir, "a.sql"), "create macro one() as 1;\n")
	writeFile(t, filepath.Join(dir, MacroDir, "notes.txt"), "not SQL")
	ms, err := LoadMacros(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Macro{{Path: "macros/a.sql", Text: "create macro one() as 1;\n"}, {Path: "macros/b.sql", Text: "SELECT 1;\n"}}
	if !reflect.DeepEqual(ms, want) {
		t.Errorf("got %+v, want %+v", ms, want)
	}
}
