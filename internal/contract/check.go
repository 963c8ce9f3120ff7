package contract

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// CheckKinds are the checks a model header can declare.
var CheckKinds = []string{"not_null", "unique", "accepted_values", "relationships", "range", "max_null_pct", "row_count", "expression"}

// Severity says what a failed check does.
type Severity string

// The severities.
const (
	Error Severity = "error" // blocks publication
	Warn  Severity = "warn"  // reported only
)

// Check is one data check of a model, written under a column (checks:
// [not_null, {range: {min: 1}}]) or under the model (checks: [{row_count:
// {min: 1}}, {expression: "a <= b"}]).
type Check struct {
	Kind   string
	Column string // the column it checks; empty for model-level checks
	// Name labels the check in reports; defaults to kind(column).
	Name     string
	Severity Severity
	// Mostly is the share of rows that must pass, as Great Expectations'
	// mostly: 0.95 tolerates 5% failing rows. 1 when unset.
	Mostly float64
	Values []string // accepted_values
	To     string   // relationships: schema.model.column
	Min    *float64 // range, row_count
	Max    *float64
	Pct    float64 // max_null_pct: the most NULLs allowed, in percent
	Expr   string  // expression: true for every good row
	Line   int     // in the model file
}

// Label is how reports name the check.
func (c Check) Label() string {
	if c.Name != "" {
		return c.Name
	}
	if c.Column != "" {
		return c.Kind + "(" + c.Column + ")"
	}
	return c.Kind
}

// UnmarshalYAML reads a check given as a bare kind (not_null) or as a
// one-key mapping of kind to options ({range: {min: 1, severity: warn}}).
func (c *Check) UnmarshalYAML(n *yaml.Node) error {
	c.Line = n.Line
	c.Severity = Error
	c.Mostly = 1
	fail := func(node *yaml.Node, format string, args ...any) error {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", node.Line, fmt.Sprintf(format, args...))}}
	}
	var opts *yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		c.Kind = n.Value
	case yaml.MappingNode:
		if len(n.Content) != 2 {
			return fail(n, "a check is one kind with its options, like {range: {min: 1}}")
		}
		c.Kind, opts = n.Content[0].Value, n.Content[1]
	default:
		return fail(n, "a check is a kind (not_null) or a mapping ({range: {min: 1}})")
	}
	if !slices.Contains(CheckKinds, c.Kind) {
		return fail(n, "unknown check %q (known checks: %s)", c.Kind, strings.Join(CheckKinds, ", "))
	}
	if opts == nil || opts.Tag == "!!null" {
		return c.validate(n, fail)
	}
	// Scalar shorthands: {max_null_pct: 20}, {expression: "a > 0"},
	// {accepted_values: [a, b]}, {relationships: silver.users.user_id}.
	switch {
	case opts.Kind == yaml.ScalarNode && c.Kind == "max_null_pct":
		if err := opts.Decode(&c.Pct); err != nil {
			return fail(opts, "max_null_pct takes a number of percent, found %q", opts.Value)
		}
		return c.validate(n, fail)
	case opts.Kind == yaml.ScalarNode && c.Kind == "expression":
		c.Expr = opts.Value
		return c.validate(n, fail)
	case opts.Kind == yaml.ScalarNode && c.Kind == "relationships":
		c.To = opts.Value
		return c.validate(n, fail)
	case opts.Kind == yaml.SequenceNode && c.Kind == "accepted_values":
		if err := opts.Decode(&c.Values); err != nil {
			return fail(opts, "accepted_values takes a list of values")
		}
		return c.validate(n, fail)
	case opts.Kind != yaml.MappingNode:
		return fail(opts, "options of %s are a mapping, like {severity: warn}", c.Kind)
	}
	for i := 0; i+1 < len(opts.Content); i += 2 {
		k, v := opts.Content[i], opts.Content[i+1]
		var err error
		switch k.Value {
		case "severity":
			c.Severity = Severity(v.Value)
		case "mostly":
			err = v.Decode(&c.Mostly)
		case "name":
			c.Name = v.Value
			if kind, _, ok := strings.Cut(c.Name, "("); ok && slices.Contains(CheckKinds, kind) && strings.HasSuffix(c.Name, ")") {
				// Results are kept by label: this check's would be taken for
				// the unnamed check of that kind and column, which an
				// increment counts over the touched rows only when its last
				// result was clean (check.Model).
				return fail(v, "name %q is how elt labels an unnamed %s check; elt keeps check results by label, so give this check a name of another form (like %s_check)",
					c.Name, kind, strings.NewReplacer("(", "_", ")", "").Replace(c.Name))
			}
		case "column":
			c.Column = v.Value
		case "values":
			err = v.Decode(&c.Values)
		case "to":
			c.To = v.Value
		case "min":
			c.Min = new(float64)
			err = v.Decode(c.Min)
		case "max":
			c.Max = new(float64)
			err = v.Decode(c.Max)
		case "pct":
			err = v.Decode(&c.Pct)
		case "expr":
			c.Expr = v.Value
		default:
			return fail(k, "unknown option %q of %s (options: severity, mostly, name, column, values, to, min, max, pct, expr)", k.Value, c.Kind)
		}
		if err != nil {
			return fail(v, "bad value %q for %s", v.Value, k.Value)
		}
	}
	return c.validate(n, fail)
}

func (c *Check) validate(n *yaml.Node, fail func(*yaml.Node, string, ...any) error) error {
	switch {
	case c.Severity != Error && c.Severity != Warn:
		return fail(n, "severity is error or warn, found %q", c.Severity)
	case !(c.Mostly > 0 && c.Mostly <= 1): // NaN fails too
		return fail(n, "mostly is the share of rows that must pass, above 0 and at most 1, found %v", c.Mostly)
	case c.Kind == "accepted_values" && len(c.Values) == 0:
		return fail(n, "accepted_values needs values: [...]")
	case c.Kind == "relationships" && strings.Count(c.To, ".") != 2:
		return fail(n, "relationships needs to: schema.model.column, found %q", c.To)
	case (c.Kind == "range" || c.Kind == "row_count") && c.Min == nil && c.Max == nil:
		return fail(n, "%s needs min, max or both", c.Kind)
	case c.Min != nil && (math.IsNaN(*c.Min) || math.IsInf(*c.Min, 0)):
		return fail(n, "min must be a finite number, found %v", *c.Min)
	case c.Max != nil && (math.IsNaN(*c.Max) || math.IsInf(*c.Max, 0)):
		return fail(n, "max must be a finite number, found %v", *c.Max)
	case c.Min != nil && c.Max != nil && *c.Min > *c.Max:
		return fail(n, "min %v is above max %v: every row would fail", *c.Min, *c.Max)
	case c.Kind == "max_null_pct" && !(c.Pct >= 0 && c.Pct <= 100): // NaN fails too
		return fail(n, "max_null_pct is a percentage from 0 to 100, found %v", c.Pct)
	case c.Kind == "expression" && strings.TrimSpace(c.Expr) == "":
		return fail(n, "expression needs expr: a SQL condition true for every good row")
	}
	return nil
}
