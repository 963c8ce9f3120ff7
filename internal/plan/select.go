package plan

import (
	"fmt"
	"sort"
	"strings"
)

// Select returns the IDs, in build order, of the models chosen by dbt-style
// specs: a model name (schema.name or name), schema.*, tag:x, with + before
// for ancestors and + after for descendants. No select spec means all.
func (g *Graph) Select(selects, excludes []string) ([]string, error) {
	chosen := map[string]bool{}
	if len(selects) == 0 {
		for id := range g.Nodes {
			chosen[id] = true
		}
	}
	var errs []string
	for _, s := range splitSpecs(selects) {
		ids, err := g.match(s)
		if err != nil {
			errs = append(errs, err.Error())
		}
		for _, id := range ids {
			chosen[id] = true
		}
	}
	for _, s := range splitSpecs(excludes) {
		ids, err := g.match(s)
		if err != nil {
			errs = append(errs, err.Error())
		}
		for _, id := range ids {
			delete(chosen, id)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	var out []string
	for _, id := range g.Order {
		if chosen[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

func splitSpecs(specs []string) []string {
	var out []string
	for _, s := range specs {
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
			out = append(out, f)
		}
	}
	return out
}

func (g *Graph) match(spec string) ([]string, error) {
	up := strings.HasPrefix(spec, "+")
	down := strings.HasSuffix(spec, "+")
	core := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(spec, "+"), "+"))
	var base []string
	for id, n := range g.Nodes {
		switch {
		case strings.HasPrefix(core, "tag:"):
			for _, t := range n.Model.Header.Tags {
				if strings.EqualFold(t, core[4:]) {
					base = append(base, id)
				}
			}
		case strings.HasSuffix(core, ".*"):
			if strings.HasPrefix(id, strings.TrimSuffix(core, "*")) {
				base = append(base, id)
			}
		case strings.Contains(core, "."):
			if id == core {
				base = append(base, id)
			}
		default:
			if strings.HasSuffix(id, "."+core) {
				base = append(base, id)
			}
		}
	}
	if len(base) == 0 {
		return nil, fmt.Errorf("--select/--exclude %q matches no model (see `elt ls`)", spec)
	}
	sort.Strings(base)
	seen := map[string]bool{}
	for _, id := range base {
		seen[id] = true
	}
	out := append([]string{}, base...)
	if up {
		out = append(out, g.walk(base, func(id string) []string { return g.Nodes[id].Deps }, seen)...)
	}
	if down {
		users := map[string][]string{}
		for id, n := range g.Nodes {
			for _, d := range n.Deps {
				users[d] = append(users[d], id)
			}
		}
		out = append(out, g.walk(base, func(id string) []string { return users[id] }, seen)...)
	}
	return out, nil
}

func (g *Graph) walk(from []string, next func(string) []string, seen map[string]bool) []string {
	var out []string
	queue := append([]string{}, from...)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, n := range next(id) {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
				queue = append(queue, n)
			}
		}
	}
	return out
}
