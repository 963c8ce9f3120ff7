package unit

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/profile"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Scaffold writes a test from the warehouse: up to rows rows of the model,
// picked by a hash of its key (the same rows each time), and of each input
// only the rows sharing a key with them: the model's unique_key, else the
// first column the input shares with the model.
func Scaffold(ctx context.Context, q warehouse.Querier, g *plan.Graph, n *plan.Node, rows int) (Test, error) {
	m := n.Model
	t := Test{Model: m.ID(), Description: fmt.Sprintf("%d rows of %s sampled from the warehouse, with the input rows that make them", rows, m.ID()), Given: map[string][]Row{}}
	out, err := profile.Columns(ctx, q, m.Schema, m.Name)
	if err != nil {
		return t, err
	}
	if len(out) == 0 {
		return t, fmt.Errorf("%s is not built yet: run `elt build` first, then scaffold its test from its rows", m.ID())
	}
	key := m.Header.UniqueKey
	if key == "" {
		key = out[0].Name
	}
	target := sqlname.Qualified(m.Schema, m.Name)
	if t.Expect, err = sample(ctx, q, fmt.Sprintf("SELECT * FROM %s ORDER BY hash(%s), %s LIMIT %d", target, sqlname.Ident(key), sqlname.Ident(key), rows), nil); err != nil {
		return t, err
	}
	outCols := map[string]bool{}
	for _, c := range out {
		outCols[strings.ToLower(c.Name)] = true
	}
	for _, d := range n.Inputs() {
		schema, name, _ := strings.Cut(d, ".")
		in, err := profile.Columns(ctx, q, schema, name)
		if err != nil {
			return t, err
		}
		by := ""
		for _, c := range in {
			if strings.EqualFold(c.Name, key) {
				by = c.Name
			}
		}
		for _, c := range in {
			if by == "" && outCols[strings.ToLower(c.Name)] && !strings.HasPrefix(c.Name, "_") {
				by = c.Name
			}
		}
		if by == "" {
			return t, fmt.Errorf("%s shares no column with %s, so its rows cannot be narrowed to the sample; write this test by hand", d, m.ID())
		}
		var values []string
		for _, r := range t.Expect {
			for k, v := range r {
				if strings.EqualFold(k, by) && v != nil {
					values = append(values, sqlname.Literal(fmt.Sprint(v)))
				}
			}
		}
		t.Given[d] = []Row{}
		if len(values) == 0 {
			continue
		}
		sel := fmt.Sprintf("SELECT * FROM %s WHERE %s::VARCHAR IN (%s) ORDER BY ALL", sqlname.Qualified(schema, name), sqlname.Ident(by), strings.Join(values, ", "))
		if t.Given[d], err = sample(ctx, q, sel, map[string]bool{"_run_id": true}); err != nil {
			return t, err
		}
	}
	return t, nil
}

// sample reads the rows of a query as text (NULL as nil), leaving out the
// columns in skip.
func sample(ctx context.Context, q warehouse.Querier, sel string, skip map[string]bool) ([]Row, error) {
	rows, err := q.QueryContext(ctx, "SELECT COLUMNS(*)::VARCHAR FROM ("+sel+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := []Row{}
	for rows.Next() {
		vals := make([]*string, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r := Row{}
		for i, c := range cols {
			if skip[c] {
				continue
			}
			if vals[i] == nil {
				r[c] = nil
			} else {
				r[c] = *vals[i]
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Marshal writes a test as YAML, with a comment saying where it came from.
func Marshal(t Test, header string) ([]byte, error) {
	var b bytes.Buffer
	for _, line := range strings.Split(strings.TrimSpace(header), "\n") {
		b.WriteString("# " + line + "\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(t); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// Report tells r the totals, then each test's result with its row diff:
// Missing, the expected rows the model did not return; Extra, the rows it
// returned that were not expected. It returns how many failed.
func Report(r event.Reporter, rs []Result) (failed int) {
	for _, res := range rs {
		if !res.Passed() {
			failed++
		}
	}
	r.Report(event.UnitTests{Passed: len(rs) - failed, Failed: failed})
	for _, res := range rs {
		e := event.UnitTestResult{Test: res.Test, Model: res.Model, How: res.How, Passed: res.Passed(), Missing: res.Missing, Extra: res.Extra}
		if res.Err != nil {
			e.Error = res.Err.Error()
		}
		r.Report(e)
	}
	return failed
}
