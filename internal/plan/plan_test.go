package plan

import (
	"context"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// parser is an in-memory DuckDB, the parser plan uses.
func parser(t *testing.T) *warehouse.DB {
	return testutil.MemoryDB(t)
}

// diamond is raw.orders read by mid.left and mid.right, both read by
// top.joined; mid.right is tagged nightly.
func diamond(t *testing.T) *Graph {
	t.Helper()
	g, err := New(context.Background(), parser(t), testutil.Models(t, map[string]string{
		"raw.orders": "SELECT * FROM bronze.orders",
		"mid.left":   "SELECT * FROM raw.orders",
		"mid.right":  "/* tags: [nightly] */\nSELECT * FROM raw.orders AS o",
		"top.joined": "WITH l AS (SELECT * FROM mid.left) SELECT * FROM l JOIN mid.right USING (id)",
	}), []string{"bronze.orders"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestOrder: every model after what it reads, by name among the free ones;
// CTE names are not dependencies.
func TestOrder(t *testing.T) {
	g := diamond(t)
	if got := strings.Join(g.Order, " "); got != "raw.orders mid.left mid.right top.joined" {
		t.Fatalf("order: %s", got)
	}
	if got := strings.Join(g.Nodes["top.joined"].Deps, " "); got != "mid.left mid.right" {
		t.Fatalf("deps: %s", got)
	}
}

// TestSelect covers dbt's selection syntax.
func TestSelect(t *testing.T) {
	g := diamond(t)
	for _, tc := range []struct {
		sel, excl []string
		want      string
	}{
		{nil, nil, "raw.orders mid.left mid.right top.joined"},
		{[]string{"mid.left"}, nil, "mid.left"},
		{[]string{"left"}, nil, "mid.left"},
		{[]string{"mid.*"}, nil, "mid.left mid.right"},
		{[]string{"tag:nightly"}, nil, "mid.right"},
		{[]string{"+mid.right"}, nil, "raw.orders mid.right"},
		{[]string{"mid.left+"}, nil, "mid.left top.joined"},
		{[]string{"+top.joined"}, []string{"tag:nightly"}, "raw.orders mid.left top.joined"},
		{[]string{"raw.orders+"}, []string{"top.joined"}, "raw.orders mid.left mid.right"},
		{[]string{"mid.left, mid.right"}, nil, "mid.left mid.right"},
	} {
		ids, err := g.Select(tc.sel, tc.excl)
		if err != nil || strings.Join(ids, " ") != tc.want {
			t.Errorf("select %v exclude %v: %v %v, want %s", tc.sel, tc.excl, ids, err, tc.want)
		}
	}
	if _, err := g.Select([]string{"nope"}, nil); err == nil {
		t.Error("an unknown model: want an error")
	}
}

// TestPlanErrors: cycles, missing tables, duplicates and reserved names are
// reported together, each at its file:line:col.
func TestPlanErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		defs map[string]string
		want []string
	}{
		{"cycle", map[string]string{"a.x": "SELECT * FROM b.y", "b.y": "SELECT * FROM c.z", "c.z": "SELECT\n  * FROM a.x"},
			[]string{"models/a/x.sql:1:15: cycle: a.x -> b.y -> c.z -> a.x"}},
		{"self", map[string]string{"a.x": "SELECT * FROM a.x"}, []string{"models/a/x.sql:1:15: cycle: a.x -> a.x"}},
		{"missing", map[string]string{"a.x": "SELECT 1\nFROM   b.nope"}, []string{"models/a/x.sql:2:8: table b.nope is neither a model nor a declared source"}},
		{"source name", map[string]string{"bronze.orders": "SELECT 1"}, []string{"a source of that name is declared"}},
		{"reserved schema", map[string]string{"elt.runs": "SELECT 1"}, []string{"models/elt/runs.sql:1:1: elt.runs is the tool's own"}},
		{"reserved table", map[string]string{"silver.quarantine": "SELECT 1"}, []string{"models/silver/quarantine.sql:1:1: silver.quarantine is the quarantine"}},
		{"two statements", map[string]string{"a.x": "SELECT 1; SELECT 2"}, []string{"a model holds one query, this file holds 2 statements"}},
		{"not a query", map[string]string{"a.x": "DELETE FROM t"}, []string{"models/a/x.sql:1:1:"}},
		{"two problems", map[string]string{"a.x": "SELECT * FROM q.one", "b.y": "SELECT * FROM q.two"},
			[]string{"table q.one", "table q.two"}},
	} {
		_, err := New(context.Background(), parser(t), testutil.Models(t, tc.defs), []string{"bronze.orders"},
			map[string]string{"elt.*": "the tool's own", "silver.quarantine": "the quarantine"})
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: got\n%v\nwant it to contain %q", tc.name, err, w)
			}
		}
	}
}
