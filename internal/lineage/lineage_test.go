package lineage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/lineage"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

var tables = map[string][]string{
	"main.t":              {"a", "b", "k"},
	"main.u":              {"k", "v"},
	"silver.events":       {"event_id", "session_id", "user_id", "event_type", "event_timestamp", "properties"},
	"silver.transactions": {"transaction_id", "session_id", "user_id", "amount", "currency", "status", "transaction_timestamp"},
	"silver.users":        {"user_id", "country", "device", "signup_date", "updated_at"},
}

func analyze(t *testing.T, sql string) lineage.Model {
	t.Helper()
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tree, err := db.SerializeSQL(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	aggregates, err := db.AggregateNames(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m, err := lineage.Analyze(tree, "main", lineage.Catalog{Columns: func(id string) []string { return tables[id] }, Aggregates: aggregates})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// show renders a column's sources as table.column(via) list.
func show(m lineage.Model, name string) string {
	for _, c := range m.Columns {
		if c.Name == name {
			var parts []string
			for _, s := range c.From {
				parts = append(parts, fmt.Sprintf("%s.%s(%s)", s.Table, s.Column, s.Via))
			}
			return strings.Join(parts, " ")
		}
	}
	return "<no column " + name + ">"
}

func uses(m lineage.Model) string {
	var parts []string
	for _, u := range m.Uses {
		parts = append(parts, u.Table+"."+u.Column+":"+strings.Join(u.Roles, ","))
	}
	return strings.Join(parts, " ")
}

func TestAnalyze(t *testing.T) {
	cases := []struct {
		name, sql string
		cols      map[string]string
		names     []string
		uses      string
	}{
		{name: "star expands", sql: "SELECT * FROM t", names: []string{"a", "b", "k"},
			cols: map[string]string{"b": "main.t.b(direct)"}},
		{name: "star exclude", sql: "SELECT * EXCLUDE (b) FROM t", names: []string{"a", "k"}},
		{name: "qualified star in join", sql: "SELECT u.*, t.a FROM t JOIN u USING (k)", names: []string{"k", "v", "a"},
			uses: "main.t.k:join main.u.k:join"},
		{name: "cast keeps direct", sql: "SELECT a::INTEGER AS x FROM t", cols: map[string]string{"x": "main.t.a(direct)"}},
		{name: "derived", sql: "SELECT a + b AS s FROM t", cols: map[string]string{"s": "main.t.a(derived) main.t.b(derived)"}},
		{name: "case branches", sql: "SELECT CASE WHEN a > 1 THEN b ELSE k END AS c FROM t",
			cols: map[string]string{"c": "main.t.a(derived) main.t.b(derived) main.t.k(derived)"}},
		{name: "aggregate and count", sql: "SELECT k, sum(a) AS total, count(*) AS n FROM t WHERE b > 0 GROUP BY k",
			cols: map[string]string{"total": "main.t.a(aggregated)", "n": "main.t.*(counted)", "k": "main.t.k(direct)"},
			uses: "main.t.b:filter main.t.k:group_by"},
		{name: "through a CTE and a subquery", sql: "WITH c AS (SELECT k AS key, a FROM t) SELECT x.key, y.v FROM c AS x JOIN (SELECT k, v FROM u) AS y ON y.k = x.key",
			cols: map[string]string{"key": "main.t.k(direct)", "v": "main.u.v(direct)"}, uses: "main.t.k:join main.u.k:join"},
		{name: "union", sql: "SELECT a FROM t UNION ALL SELECT v FROM u", cols: map[string]string{"a": "main.t.a(direct) main.u.v(direct)"}},
		{name: "unknown table", sql: "SELECT x, y + 1 AS z FROM other.s", cols: map[string]string{"x": "other.s.x(direct)", "z": "other.s.y(derived)"}},
		{name: "window in qualify", sql: "SELECT a FROM t QUALIFY row_number() OVER (PARTITION BY k ORDER BY b) = 1",
			uses: "main.t.b:filter main.t.k:filter"},
		{name: "aggregates over windows", sql: "SELECT sum(a) OVER (PARTITION BY k) AS total, count(*) OVER (PARTITION BY k) AS n, sum(a) OVER (ORDER BY b) AS running, row_number() OVER (PARTITION BY k ORDER BY b) AS r FROM t",
			cols: map[string]string{"total": "main.t.a(aggregated)", "n": "main.t.*(counted)", "running": "main.t.a(aggregated) main.t.b(derived)", "r": "main.t.b(derived) main.t.k(derived)"},
			uses: "main.t.k:group_by"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := analyze(t, tc.sql)
			if tc.names != nil {
				var got []string
				for _, c := range m.Columns {
					got = append(got, c.Name)
				}
				if !slices.Equal(got, tc.names) {
					t.Errorf("columns %v, want %v", got, tc.names)
				}
			}
			for name, want := range tc.cols {
				if got := show(m, name); got != want {
					t.Errorf("%s from %s, want %s", name, got, want)
				}
			}
			if tc.uses != "" {
				if got := uses(m); got != tc.uses {
					t.Errorf("uses %s, want %s", got, tc.uses)
				}
			}
		})
	}
}

// The gold model's lineage, as the docs site draws it.
func TestGoldLineage(t *testing.T) {
	p, err := project.Load("../..", project.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	var body string
	for _, m := range p.Models {
		if m.ID() == "gold.user_session_analysis" {
			body = m.Body
		}
	}
	m := analyze(t, body)
	for name, want := range map[string]string{
		"amount":       "silver.transactions.amount(direct)",
		"user_country": "silver.users.country(direct)",
		"total_events": "silver.events.*(counted)",
		"session_id":   "silver.events.session_id(direct)",
		"user_id":      "silver.events.user_id(derived) silver.transactions.user_id(derived)",
		"event_type":   "silver.events.event_type(direct)",
	} {
		if got := show(m, name); got != want {
			t.Errorf("%s from %s, want %s", name, got, want)
		}
	}
	u := uses(m)
	for _, want := range []string{"silver.events.session_id:filter,group_by,join", "silver.transactions.session_id:filter,join", "silver.users.user_id:join", "silver.transactions.status:filter", "silver.events.event_timestamp:filter,join", "silver.events.event_id:filter"} {
		if !strings.Contains(u, want) {
			t.Errorf("uses %s\nlack %s", u, want)
		}
	}
}
