package contract

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// wantProblems validates s and fails the test unless it reports the
// problems want ("path: message" prefixes), in order.
func wantProblems(t *testing.T, s *Source, want []string) {
	t.Helper()
	var got []string
	s.Validate(func(path ...string) func(string, ...any) {
		return func(format string, args ...any) {
			got = append(got, strings.Join(path, "/")+": "+fmt.Sprintf(format, args...))
		}
	})
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range got {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\ngot  %s\nwant %s...", i, got[i], want[i])
		}
	}
}

// TestSourceValidate: a declaration's problems are each reported at the
// key path they stand at, and its defaults are filled in.
func TestSourceValidate(t *testing.T) {
	id := []Field{{Name: "id", Type: ID}}
	pct := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name string
		src  Source
		want []string // path: message, in order
	}{
		{"a good source", Source{Format: CSV, Fields: id}, nil},
		{"format", Source{Format: "xml", Fields: id}, []string{`format: format must be ndjson, csv or parquet, found "xml"`}},
		{"no fields", Source{Format: NDJSON}, []string{": declare its fields"}},
		{"the gate", Source{Format: CSV, Fields: id, MaxQuarantinePct: pct(101)}, []string{"max_quarantine_pct: max_quarantine_pct is a percentage from 0 to 100, found 101"}},
		{"a bad glob", Source{Format: CSV, Fields: id, Patterns: []string{"a/[b"}}, []string{`patterns/0: pattern "a/[b" is not a valid glob`}},
		{"field names", Source{Format: CSV, Fields: []Field{{Name: "a b", Type: Text}, {Name: "_x", Type: Text}, {Name: "A", Type: Text}, {Name: "a", Type: Text}}},
			[]string{`fields/0/name: field name "a b" must be a plain identifier`, "fields/1/name: field name _x starts with _", "fields/3/name: field a is declared twice",
				`fields/3/name: fields A and a both read the column "a" of the files (field A is named so)`}},
		{"types and rules", Source{Format: CSV, Fields: []Field{{Name: "a", Type: "decimal(40,2)"}, {Name: "b", Type: Integer, Normalize: []string{"trim"}},
			{Name: "c", Type: Date, Min: pct(1)}, {Name: "d", Type: Text, Required: true, NullIfInvalid: true}, {Name: "e"}}},
			[]string{"fields/0/type: decimal(p,s) needs 1 <= p <= 38", "fields/1/normalize: normalize applies to text and id fields, not integer",
				"fields/2/min: min and max bound integer and decimal fields, not date", "fields/3/null_if_invalid: a required field cannot be null_if_invalid",
				"fields/4/name: field e needs a type"}},
		{"two fields, one column", Source{Format: CSV, Fields: []Field{{Name: "a", Type: Text}, {Name: "b", Type: Text, Column: "A"}}},
			[]string{`fields/1/column: fields a and b both read the column "A" of the files`}},
		{"key and invalid_order", Source{Format: CSV, Fields: id, Key: "k", InvalidOrder: []string{"z"}},
			[]string{`key: key "k" is not one of the declared fields`, `invalid_order/0: invalid_order names "z"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.src
			wantProblems(t, &s, tc.want)
			if *s.MaxQuarantinePct != DefaultMaxQuarantinePct && tc.src.MaxQuarantinePct == nil {
				t.Errorf("gate %v, want the default %v", *s.MaxQuarantinePct, DefaultMaxQuarantinePct)
			}
			if len(tc.src.Patterns) == 0 && !slices.Equal(s.Patterns, DefaultPatterns(s.Format)) {
				t.Errorf("patterns %v, want the format's %v", s.Patterns, DefaultPatterns(s.Format))
			}
		})
	}
}

// TestCheckUnmarshal: a check written as a kind or as a kind with its
// options, its defaults, and the mistakes refused with what to write.
func TestCheckUnmarshal(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"not_null", "not_null error 1", ""},
		{"{max_null_pct: 20}", "max_null_pct error 1 pct=20", ""},
		{"{range: {min: 1, max: 9, severity: warn, mostly: 0.9}}", "range warn 0.9 min=1 max=9", ""},
		{"{accepted_values: [a, b]}", "accepted_values error 1 values=[a b]", ""},
		{"{relationships: silver.users.id}", "relationships error 1 to=silver.users.id", ""},
		{"nonsense", "", `unknown check "nonsense"`},
		{"{range: {}}", "", "range needs min, max or both"},
		{"{range: {min: 2, max: 1}}", "", "min 2 is above max 1"},
		{"{unique: {severity: fatal}}", "", `severity is error or warn, found "fatal"`},
		{"{unique: {mostly: 0}}", "", "mostly is the share of rows that must pass"},
		{"{relationships: users.id}", "", "relationships needs to: schema.model.column"},
		{"{unique: {colour: red}}", "", `unknown option "colour" of unique`},
		{"{expression: {expr: v IS NOT NULL, name: not_null(v)}}", "", `name "not_null(v)" is how elt labels an unnamed not_null check`},
		{"{expression: {expr: v > 0, name: unique(v)}}", "", `give this check a name of another form (like unique_v_check)`},
		{"{expression: {expr: v > 0, name: positive(v)}}", "expression error 1", ""},
		{"{expression: {expr: v > 0, name: not_null v}}", "expression error 1", ""},
	} {
		var c Check
		err := yaml.Unmarshal([]byte(tc.in), &c)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: got %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		got := fmt.Sprintf("%s %s %v", c.Kind, c.Severity, c.Mostly)
		if c.Pct != 0 {
			got += fmt.Sprintf(" pct=%v", c.Pct)
		}
		if c.Min != nil {
			got += fmt.Sprintf(" min=%v", *c.Min)
		}
		if c.Max != nil {
			got += fmt.Sprintf(" max=%v", *c.Max)
		}
		if c.Values != nil {
			got += fmt.Sprintf(" values=%v", c.Values)
		}
		if c.To != "" {
			got += " to=" + c.To
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFieldRules: a field as elt ls lists it, its type, presence and
// rules in a fixed order.
func TestFieldRules(t *testing.T) {
	one, def := 1.0, "x"
	for _, tc := range []struct {
		f    Field
		want string
	}{
		{Field{Name: "a", Type: Text}, "text"},
		{Field{Name: "a", Type: ID, Required: true, Column: "A", Normalize: []string{"trim", "lower"}, Pattern: "^[a-z]+$", MaxLength: 8, Default: &def},
			"id, required, column A, normalize trim,lower, pattern ^[a-z]+$, max_length 8, default x"},
		{Field{Name: "n", Type: "decimal(10,2)", Min: &one, Check: "n < 5", Missing: "no_n", Invalid: "bad_n", NullIfInvalid: true},
			"decimal(10,2), min 1, check n < 5, missing as no_n, invalid as bad_n, null if invalid"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
