package check

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/profile"
	"github.com/digitalservices/elt/internal/project"
)

func ns(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }

func labels(ss []Suggestion) string {
	var out []string
	for _, s := range ss {
		c := s.Check
		switch c.Kind {
		case "max_null_pct":
			out = append(out, fmt.Sprintf("%s:%v", c.Label(), c.Pct))
		case "range":
			out = append(out, fmt.Sprintf("%s:%v..%v", c.Label(), *c.Min, *c.Max))
		case "accepted_values":
			out = append(out, c.Label()+":"+strings.Join(c.Values, "|"))
		default:
			out = append(out, c.Label())
		}
	}
	return strings.Join(out, " ")
}

func TestSuggest(t *testing.T) {
	vals := func(pairs ...any) []profile.Value {
		var out []profile.Value
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, profile.Value{Text: pairs[i].(string), Count: int64(pairs[i+1].(int))})
		}
		return out
	}
	cases := []struct {
		name     string
		col      profile.Column
		declared string // a header's columns: section
		want     string
		already  string
	}{
		{name: "a key", col: profile.Column{Name: "id", Type: "VARCHAR", Distinct: 100}, want: "not_null(id) unique(id)"},
		{name: "a key with nulls is not unique", col: profile.Column{Name: "id", Type: "VARCHAR", Nulls: 1, Distinct: 99}, want: "max_null_pct(id):2.96"},
		{name: "few values, each repeated", col: profile.Column{Name: "s", Type: "VARCHAR", Distinct: 2, Values: vals("b", 60, "a", 40)},
			want: "not_null(s) accepted_values(s):a|b"},
		{name: "a value seen once", col: profile.Column{Name: "s", Type: "VARCHAR", Distinct: 2, Values: vals("b", 99, "a", 1)}, want: "not_null(s)"},
		{name: "numbers", col: profile.Column{Name: "n", Type: "DECIMAL(10,2)", Distinct: 50, Min: ns("-1.50"), Max: ns("99.25")}, want: "not_null(n) range(n):-1.5..99.25"},
		{name: "timestamps have no range check", col: profile.Column{Name: "t", Type: "TIMESTAMP", Distinct: 100, Min: ns("2026-01-01"), Max: ns("2026-02-01")}, want: "not_null(t) unique(t)"},
		{name: "all null", col: profile.Column{Name: "x", Type: "VARCHAR", Nulls: 100}, want: ""},
		{name: "declared not_null rules out max_null_pct", col: profile.Column{Name: "x", Type: "VARCHAR", Nulls: 10, Distinct: 3},
			declared: "columns:\n  - name: x\n    checks: [not_null]\n", want: "", already: "max_null_pct(x)"},
		{name: "declared range kept", col: profile.Column{Name: "n", Type: "INTEGER", Distinct: 3, Min: ns("1"), Max: ns("3")},
			declared: "columns:\n  - name: n\n    checks: [{range: {min: 0}}]\n", want: "not_null(n)", already: "range(n)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := project.ParseModel("models/s/m.sql", "s", "m", "/*\n"+tc.declared+"*/\nSELECT 1\n", project.ModelDefaults{})
			if err != nil {
				t.Fatal(err)
			}
			got, already := Suggest(profile.Table{Rows: 100, Columns: []profile.Column{tc.col}}, m)
			if labels(got) != tc.want {
				t.Errorf("suggested %q, want %q", labels(got), tc.want)
			}
			if strings.Join(already, " ") != tc.already {
				t.Errorf("already declared %v, want %q", already, tc.already)
			}
		})
	}
}

func TestHolds(t *testing.T) {
	lo, hi := 0.0, 10.0
	cases := []struct {
		check project.Check
		col   profile.Column
		holds bool
	}{
		{project.Check{Kind: "not_null"}, profile.Column{Nulls: 0, Distinct: 5}, true},
		{project.Check{Kind: "not_null"}, profile.Column{Nulls: 1, Distinct: 5}, false},
		{project.Check{Kind: "unique"}, profile.Column{Distinct: 10}, true},
		{project.Check{Kind: "unique"}, profile.Column{Distinct: 9}, false},
		{project.Check{Kind: "max_null_pct", Pct: 20}, profile.Column{Nulls: 2, Distinct: 3}, true},
		{project.Check{Kind: "max_null_pct", Pct: 10}, profile.Column{Nulls: 2, Distinct: 3}, false},
		{project.Check{Kind: "accepted_values", Values: []string{"a", "b"}}, profile.Column{Distinct: 1, Values: []profile.Value{{Text: "a", Count: 10}}}, true},
		{project.Check{Kind: "accepted_values", Values: []string{"a", "b"}}, profile.Column{Distinct: 1, Values: []profile.Value{{Text: "c", Count: 10}}}, false},
		{project.Check{Kind: "accepted_values", Values: []string{"a", "b"}}, profile.Column{Distinct: 30}, false},
		{project.Check{Kind: "range", Min: &lo, Max: &hi}, profile.Column{Min: ns("1"), Max: ns("10")}, true},
		{project.Check{Kind: "range", Min: &lo, Max: &hi}, profile.Column{Min: ns("1"), Max: ns("11")}, false},
	}
	for _, tc := range cases {
		tc.check.Column, tc.col.Name = "c", "c"
		ok, why := Suggestion{Column: "c", Check: tc.check}.Holds(profile.Table{Rows: 10, Columns: []profile.Column{tc.col}})
		if ok != tc.holds {
			t.Errorf("%s on %+v: holds %v (%s), want %v", tc.check.Label(), tc.col, ok, why, tc.holds)
		}
	}
}
