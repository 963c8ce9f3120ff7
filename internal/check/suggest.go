package check

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/profile"
	"github.com/digitalservices/elt/internal/project"
)

// Suggestion is a check the data supports, with the evidence.
type Suggestion struct {
	Column   string
	Check    project.Check // Kind and its options (Values, Min, Max, Pct)
	Evidence string
}

// The rules' bounds.
const (
	// z of the 95% confidence bound of max_null_pct (Deequ's rule).
	confidenceZ = 1.96
)

// Suggest derives checks from a table's profile: not_null where a column
// has no NULLs; unique where every row has its own value; accepted_values
// where a text column has at most profile.MaxValues values, each in more
// than one row; range from the bounds of a numeric column; max_null_pct
// for a column with some NULLs, at the observed share plus the margin of
// its 95% confidence bound, p + 1.96·√(p(1−p)/n). Kinds the model already
// declares on a column are left out and returned in declared.
func Suggest(t profile.Table, m *project.Model) (out []Suggestion, declared []string) {
	have := map[string]bool{}
	for _, c := range m.Checks() {
		have[strings.ToLower(c.Column)+"\x00"+family(c.Kind)] = true
	}
	add := func(col string, c project.Check, evidence string) {
		c.Column = col
		if have[strings.ToLower(col)+"\x00"+family(c.Kind)] {
			declared = append(declared, c.Kind+"("+col+")")
			return
		}
		out = append(out, Suggestion{Column: col, Check: c, Evidence: evidence})
	}
	if t.Rows == 0 {
		return nil, nil
	}
	n := float64(t.Rows)
	for _, c := range t.Columns {
		rows := fmt.Sprintf("%s rows", output.Count(t.Rows))
		switch {
		case c.Nulls == 0:
			add(c.Name, project.Check{Kind: "not_null"}, rows+", 0 nulls")
		case c.Nulls < t.Rows:
			p := float64(c.Nulls) / n
			pct := math.Min(100, math.Ceil(10000*(p+confidenceZ*math.Sqrt(p*(1-p)/n)))/100)
			add(c.Name, project.Check{Kind: "max_null_pct", Pct: pct}, fmt.Sprintf("%s, %s nulls (%.2f%%)", rows, output.Count(c.Nulls), 100*p))
		}
		if c.Distinct == t.Rows && c.Nulls == 0 {
			add(c.Name, project.Check{Kind: "unique"}, fmt.Sprintf("%s, %s distinct", rows, output.Count(c.Distinct)))
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
			if ok {
				sort.Strings(vals)
				add(c.Name, project.Check{Kind: "accepted_values", Values: vals}, fmt.Sprintf("%d values: %s", len(vals), strings.Join(counts, ", ")))
			}
		}
		if output.Numeric(c.Type) && c.Min.Valid && c.Max.Valid {
			lo, err1 := strconv.ParseFloat(c.Min.String, 64)
			hi, err2 := strconv.ParseFloat(c.Max.String, 64)
			if err1 == nil && err2 == nil {
				add(c.Name, project.Check{Kind: "range", Min: &lo, Max: &hi}, fmt.Sprintf("%s, min %s, max %s", rows, c.Min.String, c.Max.String))
			}
		}
	}
	return out, declared
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
