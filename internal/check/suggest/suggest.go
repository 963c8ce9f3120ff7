// Package suggest derives data checks from a built model's data (`elt
// checks suggest`): it profiles the model in one pass (internal/profile),
// proposes the checks the data supports with the evidence beside each
// (For), drops those a held-out share of the rows breaks, and prints them
// as YAML for the model's header or merges them into it (Checks).
package suggest

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/profile"
	"github.com/digitalservices/elt/internal/project"
)

// Suggestion is a check the data supports, with the evidence.
type Suggestion struct {
	Column   string
	Check    contract.Check // Kind and its options (Values, Min, Max, Pct)
	Evidence string
}

// The rules' bounds.
const (
	// z of the 95% confidence bound of max_null_pct (Deequ's rule).
	confidenceZ = 1.96
	// MinSample is the fewest rows a check drawn from the data alone needs.
	// Seeing no NULL in n rows bounds the NULL share below about 3/n (the
	// rule of three, at 95%): 30 rows bound it below 10%, while 3 rows
	// bound it by nothing. Below MinSample only the checks the project
	// declares (a model's unique_key) are suggested, and the rest are
	// listed as not suggested, with the reason.
	MinSample = 30
)

// keyNameRe matches column names that say they are a key: id, uuid, guid,
// key, or such a word after an underscore (customer_id, order_key).
var keyNameRe = regexp.MustCompile(`(?i)(^|_)(id|uuid|guid|key)$`)

// keyType tells whether values of a type can be a key: integers, text and
// UUIDs. Every value of a measure (a DOUBLE, a DECIMAL), a date or a time
// differing in a sample is chance, not a key.
func keyType(typ string) bool {
	t := strings.ToUpper(typ)
	if strings.ContainsAny(t, "[]") {
		return false
	}
	if t == "VARCHAR" || strings.HasPrefix(t, "VARCHAR(") || t == "UUID" {
		return true
	}
	return output.Numeric(t) && !strings.HasPrefix(t, "DOUBLE") && !strings.HasPrefix(t, "FLOAT") &&
		!strings.HasPrefix(t, "REAL") && !strings.HasPrefix(t, "DECIMAL")
}

// For derives checks from a table's profile, each only where the
// evidence supports it:
//
//   - The model's declared unique_key gets not_null and unique whatever the
//     sample's size (the declaration is the evidence), when its rows agree.
//   - Every other check needs at least MinSample rows; below that it is
//     listed in skipped with the reason, not suggested.
//   - not_null where a column has no NULLs; max_null_pct for a column with
//     some, at the observed share plus the margin of its 95% confidence
//     bound, p + 1.96·√(p(1−p)/n).
//   - unique only where the column is a key beyond chance: every row has
//     its own value, its name says it is a key (id, *_id, *_key, *_uuid, or
//     a source's key: in keys) and its type can be one (integers, text,
//     UUID). All-distinct names, measures or times in a sample are chance,
//     and are listed in skipped.
//   - accepted_values where a text column has at most profile.MaxValues
//     values, each in more than one row, and is not a key by its name (ids
//     are an open set: new rows bring new ones).
//   - range for a numeric column: the observed bounds widened by half their
//     span (by half the value when every value is the same), kept at 0 when
//     the column has no negative (or no positive) values, and rounded
//     outward to two significant digits; never the observed min and max
//     exactly.
//
// Kinds the model already declares on a column are left out and returned
// in declared.
func For(t profile.Table, m *project.Model, keys []string) (out []Suggestion, declared, skipped []string) {
	have := map[string]bool{}
	for _, c := range m.Checks() {
		have[strings.ToLower(c.Column)+"\x00"+family(c.Kind)] = true
	}
	add := func(col string, c contract.Check, evidence string) {
		c.Column = col
		if have[strings.ToLower(col)+"\x00"+family(c.Kind)] {
			declared = append(declared, c.Kind+"("+col+")")
			return
		}
		out = append(out, Suggestion{Column: col, Check: c, Evidence: evidence})
	}
	skip := func(col, kind, why string) {
		if !have[strings.ToLower(col)+"\x00"+family(kind)] {
			skipped = append(skipped, fmt.Sprintf("%s(%s): %s", kind, col, why))
		}
	}
	if t.Rows == 0 {
		return nil, nil, nil
	}
	n := float64(t.Rows)
	few := t.Rows < MinSample
	tooFew := fmt.Sprintf("%s rows are fewer than the %d it needs", output.Count(t.Rows), MinSample)
	isKey := func(name string) bool {
		return keyNameRe.MatchString(name) || slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, name) })
	}
	for _, c := range t.Columns {
		rows := fmt.Sprintf("%s rows", output.Count(t.Rows))
		allDistinct := c.Distinct == t.Rows && c.Nulls == 0
		if uk := m.Header.UniqueKey; uk != "" && strings.EqualFold(uk, c.Name) {
			if allDistinct {
				add(c.Name, contract.Check{Kind: "not_null"}, "the model's unique_key; "+rows+", 0 nulls")
				add(c.Name, contract.Check{Kind: "unique"}, fmt.Sprintf("the model's unique_key; %s, %s distinct", rows, output.Count(c.Distinct)))
			} else {
				skip(c.Name, "unique", fmt.Sprintf("the model's unique_key, but %s of %s rows are distinct and %s NULL", output.Count(c.Distinct), output.Count(t.Rows), output.Count(c.Nulls)))
			}
			continue
		}
		switch {
		case c.Nulls == 0 && few:
			skip(c.Name, "not_null", "no NULL, but "+tooFew)
		case c.Nulls == 0:
			add(c.Name, contract.Check{Kind: "not_null"}, rows+", 0 nulls")
		case c.Nulls < t.Rows && few:
			skip(c.Name, "max_null_pct", tooFew)
		case c.Nulls < t.Rows:
			p := float64(c.Nulls) / n
			pct := math.Min(100, math.Ceil(10000*(p+confidenceZ*math.Sqrt(p*(1-p)/n)))/100)
			add(c.Name, contract.Check{Kind: "max_null_pct", Pct: pct}, fmt.Sprintf("%s, %s nulls (%.2f%%)", rows, output.Count(c.Nulls), 100*p))
		}
		if allDistinct {
			switch {
			case few:
				skip(c.Name, "unique", fmt.Sprintf("%s distinct, but %s", output.Count(c.Distinct), tooFew))
			case !isKey(c.Name):
				skip(c.Name, "unique", fmt.Sprintf("%s distinct in %s rows, but its name does not say it is a key (id, *_id, *_key, a source's key)", output.Count(c.Distinct), output.Count(t.Rows)))
			case !keyType(c.Type):
				skip(c.Name, "unique", fmt.Sprintf("%s distinct in %s rows, but a %s is a measure or a time, not a key", output.Count(c.Distinct), output.Count(t.Rows), c.Type))
			default:
				add(c.Name, contract.Check{Kind: "unique"}, fmt.Sprintf("%s, %s distinct", rows, output.Count(c.Distinct)))
			}
		}
		if c.Values != nil && len(c.Values) <= profile.MaxValues && c.Distinct < t.Rows-c.Nulls {
			var vals, counts []string
			ok := true
			for _, v := range c.Values {
				ok = ok && v.Count > 1
				vals = append(vals, v.Text)
				if len(counts) < 5 {
					counts = append(counts, fmt.Sprintf("%s %s", v.Text, output.Count(v.Count)))
				} else if len(counts) == 5 {
					counts = append(counts, "…")
				}
			}
			switch {
			case ok && isKey(c.Name):
				skip(c.Name, "accepted_values", "its name says it is a key (an id): new rows bring new values")
			case ok && few:
				skip(c.Name, "accepted_values", tooFew)
			case ok:
				sort.Strings(vals)
				add(c.Name, contract.Check{Kind: "accepted_values", Values: vals}, fmt.Sprintf("%d values: %s", len(vals), strings.Join(counts, ", ")))
			}
		}
		if output.Numeric(c.Type) && c.Min.Valid && c.Max.Valid {
			lo, err1 := strconv.ParseFloat(c.Min.String, 64)
			hi, err2 := strconv.ParseFloat(c.Max.String, 64)
			switch {
			case err1 != nil || err2 != nil:
			case few:
				skip(c.Name, "range", tooFew)
			default:
				min, max := widen(lo, hi, keyType(c.Type))
				add(c.Name, contract.Check{Kind: "range", Min: &min, Max: &max},
					fmt.Sprintf("%s, min %s, max %s, widened by half the span", rows, c.Min.String, c.Max.String))
			}
		}
	}
	return out, declared, skipped
}

// widen returns bounds around the observed lo and hi that later rows may
// fall in: widened by half the span (half the value when lo == hi, 1 when
// both are 0), not past 0 when every value is on one side of it, rounded
// outward to two significant digits (to whole numbers for integers).
// A column of zeros gets [0, 1].
func widen(lo, hi float64, integer bool) (float64, float64) {
	m := (hi - lo) / 2
	if m == 0 {
		m = math.Abs(hi) / 2
	}
	if m == 0 {
		m = 1
	}
	min, max := lo-m, hi+m
	if lo >= 0 && min < 0 {
		min = 0
	}
	if hi < 0 && max > 0 {
		max = 0
	}
	min, max = round(min, math.Floor), round(max, math.Ceil)
	if integer {
		min, max = math.Floor(min), math.Ceil(max)
	}
	return min, max
}

// round rounds x to two significant digits with f (math.Floor or
// math.Ceil).
func round(x float64, f func(float64) float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	e := int(math.Floor(math.Log10(math.Abs(x)))) - 1
	// v is x scaled to two digits before the point; one a float's error
	// away from a whole number is that number.
	step := func(v float64) float64 {
		if r := math.Round(v); math.Abs(v-r) < 1e-9 {
			return r
		}
		return f(v)
	}
	if e >= 0 {
		p := math.Pow10(e)
		return step(x/p) * p
	}
	p := math.Pow10(-e)
	return step(x*p) / p
}

// family groups the kinds that say the same thing of a column, so a
// declared not_null rules out a suggested max_null_pct and the reverse.
func family(kind string) string {
	if kind == "max_null_pct" {
		return "not_null"
	}
	return kind
}

// Holds tells whether a suggestion also holds on other rows, given their
// profile (a holdout), and if not why.
func (s Suggestion) Holds(t profile.Table) (bool, string) {
	var c *profile.Column
	for i := range t.Columns {
		if t.Columns[i].Name == s.Column {
			c = &t.Columns[i]
		}
	}
	if c == nil || t.Rows == 0 {
		return true, ""
	}
	switch s.Check.Kind {
	case "not_null":
		if c.Nulls > 0 {
			return false, fmt.Sprintf("%s nulls in the holdout", output.Count(c.Nulls))
		}
	case "unique":
		if c.Distinct < t.Rows {
			return false, fmt.Sprintf("%s distinct of %s holdout rows", output.Count(c.Distinct), output.Count(t.Rows))
		}
	case "max_null_pct":
		if share := 100 * float64(c.Nulls) / float64(t.Rows); share > s.Check.Pct {
			return false, fmt.Sprintf("%.2f%% nulls in the holdout", share)
		}
	case "accepted_values":
		if c.Values == nil && c.Distinct > 0 {
			return false, fmt.Sprintf("%s values in the holdout", output.Count(c.Distinct))
		}
		for _, v := range c.Values {
			if !slices.Contains(s.Check.Values, v.Text) {
				return false, fmt.Sprintf("the holdout holds %q", v.Text)
			}
		}
	case "range":
		lo, _ := strconv.ParseFloat(c.Min.String, 64)
		hi, _ := strconv.ParseFloat(c.Max.String, 64)
		if c.Min.Valid && (lo < *s.Check.Min || hi > *s.Check.Max) {
			return false, fmt.Sprintf("the holdout ranges from %s to %s", c.Min.String, c.Max.String)
		}
	}
	return true, ""
}
