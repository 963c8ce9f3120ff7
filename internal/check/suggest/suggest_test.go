package suggest

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/contract"
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

func TestFor(t *testing.T) {
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
		keys     []string
		want     string
		already  string
		skipped  string // kinds(columns) not suggested
	}{
		{name: "a key", col: profile.Column{Name: "id", Type: "VARCHAR", Distinct: 100}, want: "not_null(id) unique(id)"},
		{name: "a key with nulls is not unique", col: profile.Column{Name: "id", Type: "VARCHAR", Nulls: 1, Distinct: 99}, want: "max_null_pct(id):2.96"},
		{name: "few values, each repeated", col: profile.Column{Name: "s", Type: "VARCHAR", Distinct: 2, Values: vals("b", 60, "a", 40)},
			want: "not_null(s) accepted_values(s):a|b"},
		{name: "a value seen once", col: profile.Column{Name: "s", Type: "VARCHAR", Distinct: 2, Values: vals("b", 99, "a", 1)}, want: "not_null(s)"},
		{name: "numbers, widened", col: profile.Column{Name: "n", Type: "DECIMAL(10,2)", Distinct: 50, Min: ns("-1.50"), Max: ns("99.25")}, want: "not_null(n) range(n):-52..150"},
		{name: "timestamps have no range check, all distinct is chance", col: profile.Column{Name: "t", Type: "TIMESTAMP", Distinct: 100, Min: ns("2026-01-01"), Max: ns("2026-02-01")},
			want: "not_null(t)", skipped: "unique(t)"},
		{name: "all distinct names are chance", col: profile.Column{Name: "country", Type: "VARCHAR", Distinct: 100}, want: "not_null(country)", skipped: "unique(country)"},
		{name: "an id that is a measure", col: profile.Column{Name: "score_id", Type: "DOUBLE", Distinct: 100, Min: ns("0"), Max: ns("1")},
			want: "not_null(score_id) range(score_id):0..1.5", skipped: "unique(score_id)"},
		{name: "a source's key", col: profile.Column{Name: "cust_no", Type: "BIGINT", Distinct: 100, Min: ns("1"), Max: ns("100")}, keys: []string{"CUST_NO"},
			want: "not_null(cust_no) unique(cust_no) range(cust_no):0..150"},
		{name: "ids get no accepted_values", col: profile.Column{Name: "customer_id", Type: "VARCHAR", Distinct: 2, Values: vals("c1", 60, "c2", 40)},
			want: "not_null(customer_id)", skipped: "accepted_values(customer_id)"},
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
			got, already, skipped := For(profile.Table{Rows: 100, Columns: []profile.Column{tc.col}}, m, tc.keys)
			if labels(got) != tc.want {
				t.Errorf("suggested %q, want %q", labels(got), tc.want)
			}
			if kinds(skipped) != tc.skipped {
				t.Errorf("not suggested %v, want %q", skipped, tc.skipped)
			}
			if strings.Join(already, " ") != tc.already {
				t.Errorf("already declared %v, want %q", already, tc.already)
			}
		})
	}
}

// kinds keeps the kind(column) of each "kind(column): why".
func kinds(skipped []string) string {
	var out []string
	for _, s := range skipped {
		k, _, _ := strings.Cut(s, ":")
		out = append(out, k)
	}
	return strings.Join(out, " ")
}

// Below MinSample rows only a declared unique_key is suggested (the
// README's 3 customers got unique on name and country, and ranges of
// exactly the 3 values seen); every other check is listed with the reason.
func TestSuggestSmallSample(t *testing.T) {
	m, err := project.ParseModel("models/gold/c.sql", "gold", "c", "/*\nmaterialized: incremental\nunique_key: customer_id\n*/\nSELECT 1\n", project.ModelDefaults{})
	if err != nil {
		t.Fatal(err)
	}
	cols := []profile.Column{
		{Name: "customer_id", Type: "VARCHAR", Distinct: 3},
		{Name: "name", Type: "VARCHAR", Distinct: 3},
		{Name: "country", Type: "VARCHAR", Distinct: 3},
		{Name: "revenue_eur", Type: "DOUBLE", Distinct: 3, Min: ns("56.61"), Max: ns("499.81")},
	}
	got, _, skipped := For(profile.Table{Rows: 3, Columns: cols}, m, nil)
	if labels(got) != "not_null(customer_id) unique(customer_id)" {
		t.Errorf("on 3 rows suggested %q", labels(got))
	}
	want := "not_null(name) unique(name) not_null(country) unique(country) not_null(revenue_eur) unique(revenue_eur) range(revenue_eur)"
	if kinds(skipped) != want {
		t.Errorf("on 3 rows not suggested %q, want %q", kinds(skipped), want)
	}
	for _, s := range skipped {
		if !strings.Contains(s, "3 rows are fewer than the 30 it needs") {
			t.Errorf("no reason given: %q", s)
		}
	}
	// The same columns on MinSample rows: still no unique on name or country.
	for i := range cols {
		cols[i].Distinct = MinSample
	}
	got, _, _ = For(profile.Table{Rows: MinSample, Columns: cols}, m, nil)
	if labels(got) != "not_null(customer_id) unique(customer_id) not_null(name) not_null(country) not_null(revenue_eur) range(revenue_eur):0..730" {
		t.Errorf("on %d rows suggested %q", MinSample, labels(got))
	}
}

// A range is never the observed bounds exactly.
func TestWiden(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, min, max float64
		integer          bool
	}{
		{4, 4, 2, 6, true},
		{56.61, 499.81, 0, 730, false},
		{0, 0, 0, 1, true},
		{-5, -1, -7, 0, true},
		{-1.5, 99.25, -52, 150, false},
		{0.001, 0.002, 0.0005, 0.0025, false},
		{1, 100, 0, 150, true},
	} {
		min, max := widen(tc.lo, tc.hi, tc.integer)
		if min != tc.min || max != tc.max {
			t.Errorf("widen(%v, %v) = %v, %v; want %v, %v", tc.lo, tc.hi, min, max, tc.min, tc.max)
		}
	}
}

func TestHolds(t *testing.T) {
	lo, hi := 0.0, 10.0
	cases := []struct {
		check contract.Check
		col   profile.Column
		holds bool
	}{
		{contract.Check{Kind: "not_null"}, profile.Column{Nulls: 0, Distinct: 5}, true},
		{contract.Check{Kind: "not_null"}, profile.Column{Nulls: 1, Distinct: 5}, false},
		{contract.Check{Kind: "unique"}, profile.Column{Distinct: 10}, true},
		{contract.Check{Kind: "unique"}, profile.Column{Distinct: 9}, false},
		{contract.Check{Kind: "max_null_pct", Pct: 20}, profile.Column{Nulls: 2, Distinct: 3}, true},
		{contract.Check{Kind: "max_null_pct", Pct: 10}, profile.Column{Nulls: 2, Distinct: 3}, false},
		{contract.Check{Kind: "accepted_values", Values: []string{"a", "b"}}, profile.Column{Distinct: 1, Values: []profile.Value{{Text: "a", Count: 10}}}, true},
		{contract.Check{Kind: "accepted_values", Values: []string{"a", "b"}}, profile.Column{Distinct: 1, Values: []profile.Value{{Text: "c", Count: 10}}}, false},
		{contract.Check{Kind: "accepted_values", Values: []string{"a", "b"}}, profile.Column{Distinct: 30}, false},
		{contract.Check{Kind: "range", Min: &lo, Max: &hi}, profile.Column{Min: ns("1"), Max: ns("10")}, true},
		{contract.Check{Kind: "range", Min: &lo, Max: &hi}, profile.Column{Min: ns("1"), Max: ns("11")}, false},
	}
	for _, tc := range cases {
		tc.check.Column, tc.col.Name = "c", "c"
		ok, why := Suggestion{Column: "c", Check: tc.check}.Holds(profile.Table{Rows: 10, Columns: []profile.Column{tc.col}})
		if ok != tc.holds {
			t.Errorf("%s on %+v: holds %v (%s), want %v", tc.check.Label(), tc.col, ok, why, tc.holds)
		}
	}
}
