// Package lineage says where each output column of a model comes from, read
// off DuckDB's own syntax tree (json_serialize_sql): which columns of which
// tables feed it and how (copied, derived, aggregated, counted), and which
// columns the query uses only to join, filter or group. CTEs and subqueries
// are followed to the tables underneath; `*` is expanded from the columns
// the caller knows each table has.
package lineage

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Via says how a source column feeds an output column.
type Via string

// The ways, from the plainest: the value as is (perhaps cast), computed from
// it, aggregated over rows, or rows counted.
const (
	Direct     Via = "direct"
	Derived    Via = "derived"
	Aggregated Via = "aggregated"
	Counted    Via = "counted"
)

var strength = map[Via]int{Direct: 0, Derived: 1, Aggregated: 2, Counted: 3}

// Source is one column of a table feeding an output column. Column is "*"
// when the table's rows are counted.
type Source struct {
	Table  string `json:"table"`
	Column string `json:"column"`
	Via    Via    `json:"via"`
}

// Column is one output column and what it is computed from.
type Column struct {
	Name string   `json:"name"`
	From []Source `json:"from"`
}

// Use is a table column the query reads outside its output: in a join
// condition, a filter (WHERE, HAVING, QUALIFY) or a GROUP BY.
type Use struct {
	Table  string   `json:"table"`
	Column string   `json:"column"`
	Roles  []string `json:"roles"` // join, filter, group_by
}

// Model is the lineage of one query.
type Model struct {
	Columns []Column `json:"columns"`
	Uses    []Use    `json:"uses"`
}

// Catalog tells what the query's names mean: Columns the columns of a
// table ("schema.name", lower case), nil when they are not known; and
// Aggregates the names of the aggregate functions (DuckDB's
// duckdb_functions() knows them, macros included).
type Catalog struct {
	Columns    func(table string) []string
	Aggregates map[string]bool
}

// Analyze reads the lineage of the query whose json_serialize_sql tree is
// tree. Unqualified table names are in schema defaultSchema.
func Analyze(tree string, defaultSchema string, catalog Catalog) (Model, error) {
	var root map[string]any
	if err := json.Unmarshal([]byte(tree), &root); err != nil {
		return Model{}, fmt.Errorf("read the syntax tree: %w", err)
	}
	if root["error"] == true {
		return Model{}, fmt.Errorf("%v", root["error_message"])
	}
	sts, _ := root["statements"].([]any)
	if len(sts) != 1 {
		return Model{}, fmt.Errorf("a model holds one query, not %d statements", len(sts))
	}
	st, _ := sts[0].(map[string]any)
	a := &analyzer{schema: strings.ToLower(defaultSchema), catalog: catalog, uses: map[[2]string]map[string]bool{}}
	rel := a.query(asMap(st["node"]), nil)
	m := Model{}
	for _, c := range rel.cols {
		m.Columns = append(m.Columns, Column{Name: c.name, From: c.deps})
	}
	keys := make([][2]string, 0, len(a.uses))
	for k := range a.uses {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"."+keys[i][1] < keys[j][0]+"."+keys[j][1] })
	for _, k := range keys {
		var roles []string
		for r := range a.uses[k] {
			roles = append(roles, r)
		}
		sort.Strings(roles)
		m.Uses = append(m.Uses, Use{Table: k[0], Column: k[1], Roles: roles})
	}
	return m, nil
}

// col is a column of a relation in scope, with the table columns it is
// computed from.
type col struct {
	name string
	deps []Source
}

// relation is a FROM item: a table, a CTE or a subquery, by its alias.
type relation struct {
	alias string
	cols  []col
	rows  []string // the tables whose rows it holds, for count(*)
	open  bool     // its columns are not known: any name resolves to it
	table string   // for an open table: its name
}

func (r *relation) find(name string) (col, bool) {
	for _, c := range r.cols {
		if strings.EqualFold(c.name, name) {
			return c, true
		}
	}
	if r.open {
		return col{name: name, deps: []Source{{Table: r.table, Column: strings.ToLower(name), Via: Direct}}}, true
	}
	return col{}, false
}

type scope struct {
	rels   []*relation
	parent *scope
	ctes   map[string]*relation
	alias  []col // the select list so far, for references to its aliases
}

type analyzer struct {
	schema  string
	catalog Catalog
	uses    map[[2]string]map[string]bool
	depth   int
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }
func str(v any) string           { s, _ := v.(string); return s }

// query analyses a query node: SELECT_NODE, SET_OPERATION_NODE or
// CTE_NODE, with outer as the enclosing scope (for correlated subqueries
// and CTEs defined outside).
func (a *analyzer) query(node map[string]any, outer *scope) *relation {
	a.depth++
	defer func() { a.depth-- }()
	if node == nil || a.depth > 200 {
		return &relation{}
	}
	sc := &scope{parent: outer, ctes: map[string]*relation{}}
	if cm := asMap(node["cte_map"]); cm != nil {
		for _, e := range asList(cm["map"]) {
			em := asMap(e)
			name := strings.ToLower(str(em["key"]))
			q := asMap(asMap(em["value"])["query"])
			r := a.query(asMap(q["node"]), sc)
			for i, al := range asList(asMap(em["value"])["aliases"]) {
				if i < len(r.cols) {
					r.cols[i].name = str(al)
				}
			}
			sc.ctes[name] = r
		}
	}
	switch str(node["type"]) {
	case "SET_OPERATION_NODE":
		l, r := a.query(asMap(node["left"]), sc), a.query(asMap(node["right"]), sc)
		out := &relation{rows: append(slices.Clone(l.rows), r.rows...)}
		for i, c := range l.cols {
			deps := slices.Clone(c.deps)
			if i < len(r.cols) {
				deps = append(deps, r.cols[i].deps...)
			}
			out.cols = append(out.cols, col{name: c.name, deps: dedupe(deps)})
		}
		return out
	case "SELECT_NODE":
	default:
		return &relation{}
	}
	if ft := asMap(node["from_table"]); ft != nil {
		sc.rels = a.from(ft, sc)
	}
	out := &relation{}
	for _, r := range sc.rels {
		out.rows = append(out.rows, r.rows...)
	}
	for i, e := range asList(node["select_list"]) {
		em := asMap(e)
		if str(em["class"]) == "STAR" {
			for _, c := range a.star(em, sc) {
				out.cols = append(out.cols, c)
				sc.alias = append(sc.alias, c)
			}
			continue
		}
		deps := a.expr(em, sc)
		name := str(em["alias"])
		if name == "" {
			if str(em["class"]) == "COLUMN_REF" {
				names := asList(em["column_names"])
				name = str(names[len(names)-1])
			} else {
				name = fmt.Sprintf("#%d", i+1)
			}
		}
		c := col{name: name, deps: dedupe(deps)}
		out.cols = append(out.cols, c)
		sc.alias = append(sc.alias, c)
	}
	a.use(node["where_clause"], sc, "filter")
	a.use(node["having"], sc, "filter")
	a.use(node["qualify"], sc, "filter")
	for _, g := range asList(node["group_expressions"]) {
		a.use(g, sc, "group_by")
	}
	return out
}

// from resolves a FROM item into the relations it puts in scope.
func (a *analyzer) from(t map[string]any, sc *scope) []*relation {
	alias := strings.ToLower(str(t["alias"]))
	switch str(t["type"]) {
	case "BASE_TABLE":
		schema, name := strings.ToLower(str(t["schema_name"])), strings.ToLower(str(t["table_name"]))
		if alias == "" {
			alias = name
		}
		if schema == "" {
			for s := sc; s != nil; s = s.parent {
				if r, ok := s.ctes[name]; ok {
					c := *r
					c.alias = alias
					return []*relation{&c}
				}
			}
			schema = a.schema
		}
		id := schema + "." + name
		r := &relation{alias: alias, rows: []string{id}, table: id}
		cols := a.catalog.Columns(id)
		if cols == nil {
			r.open = true
		}
		for _, c := range cols {
			r.cols = append(r.cols, col{name: c, deps: []Source{{Table: id, Column: strings.ToLower(c), Via: Direct}}})
		}
		return []*relation{r}
	case "SUBQUERY":
		r := a.query(asMap(asMap(t["subquery"])["node"]), sc)
		r.alias = alias
		for i, al := range asList(t["column_name_alias"]) {
			if i < len(r.cols) {
				r.cols[i].name = str(al)
			}
		}
		return []*relation{r}
	case "JOIN":
		rels := append(a.from(asMap(t["left"]), sc), a.from(asMap(t["right"]), sc)...)
		js := &scope{rels: rels, parent: sc.parent, ctes: sc.ctes}
		a.use(t["condition"], js, "join")
		for _, u := range asList(t["using_columns"]) {
			for _, r := range rels {
				if c, ok := r.find(str(u)); ok {
					a.record(c.deps, "join")
				}
			}
		}
		return rels
	default: // a table function (read_csv ...), VALUES, ...
		fn := strings.ToLower(str(asMap(t["function"])["function_name"]))
		if fn == "" {
			fn = strings.ToLower(str(t["type"]))
		}
		if alias == "" {
			alias = fn
		}
		return []*relation{{alias: alias, rows: []string{fn}, open: true, table: fn}}
	}
}

// star expands * (or t.*, or * EXCLUDE (...)) into the columns in scope.
func (a *analyzer) star(e map[string]any, sc *scope) []col {
	qual := strings.ToLower(str(e["relation_name"]))
	exclude := map[string]bool{}
	for _, x := range asList(e["exclude_list"]) {
		switch v := x.(type) {
		case string:
			exclude[strings.ToLower(v)] = true
		case map[string]any:
			for _, n := range asList(v["column_names"]) {
				exclude[strings.ToLower(str(n))] = true
			}
			if n := str(v["column_name"]); n != "" {
				exclude[strings.ToLower(n)] = true
			}
		}
	}
	var out []col
	for _, r := range sc.rels {
		if qual != "" && r.alias != qual {
			continue
		}
		if r.open {
			out = append(out, col{name: "*", deps: []Source{{Table: r.table, Column: "*", Via: Direct}}})
		}
		for _, c := range r.cols {
			if !exclude[strings.ToLower(c.name)] {
				out = append(out, c)
			}
		}
	}
	return out
}

// expr lists the table columns an expression reads, each with how.
func (a *analyzer) expr(v any, sc *scope) []Source {
	e := asMap(v)
	if e == nil {
		var out []Source
		for _, x := range asList(v) {
			out = append(out, a.expr(x, sc)...)
		}
		return out
	}
	switch str(e["class"]) {
	case "COLUMN_REF":
		c, ok := a.resolve(asList(e["column_names"]), sc)
		if !ok {
			return nil
		}
		return slices.Clone(c.deps)
	case "CAST":
		return a.expr(e["child"], sc)
	case "STAR":
		var out []Source
		for _, c := range a.star(e, sc) {
			out = append(out, c.deps...)
		}
		return via(out, Derived)
	case "SUBQUERY":
		r := a.query(asMap(asMap(e["subquery"])["node"]), sc)
		var out []Source
		for _, c := range r.cols {
			out = append(out, c.deps...)
		}
		a.use(e["child"], sc, "filter")
		return via(out, Derived)
	case "FUNCTION", "AGGREGATE":
		name := strings.ToLower(str(e["function_name"]))
		if name == "count_star" || (a.catalog.Aggregates[name] && str(e["type"]) != "WINDOW") {
			a.use(e["filter"], sc, "filter")
			return a.aggregate(name, e["children"], sc)
		}
	case "WINDOW":
		// An aggregate over a window (sum(n) OVER (PARTITION BY s)) is an
		// aggregate of its arguments, grouped by its partitions; the order
		// picks the frame, so what it reads counts as derived. A ranking
		// function (row_number) reads only its partitions and order.
		if name := strings.ToLower(str(e["function_name"])); str(e["type"]) == "WINDOW_AGGREGATE" {
			a.use(e["filter_expr"], sc, "filter")
			for _, p := range asList(e["partitions"]) {
				a.use(p, sc, "group_by")
			}
			return append(a.aggregate(name, e["children"], sc), via(a.inside(e["orders"], sc), Derived)...)
		}
	}
	// Any other expression: whatever it reads, derived.
	return via(a.inside(e, sc), Derived)
}

// aggregate is what an aggregate function named name makes of its
// arguments: counted for the counting functions (count() of nothing counts
// the rows of every relation in scope), aggregated for the rest.
func (a *analyzer) aggregate(name string, args any, sc *scope) []Source {
	if name == "count_star" || (name == "count" && len(asList(args)) == 0) {
		var out []Source
		for _, r := range sc.rels {
			for _, t := range r.rows {
				out = append(out, Source{Table: t, Column: "*", Via: Counted})
			}
		}
		return out
	}
	how := Aggregated
	if name == "count" || name == "count_if" || name == "approx_count_distinct" {
		how = Counted
	}
	var out []Source
	for _, c := range asList(args) {
		out = append(out, a.expr(c, sc)...)
	}
	return via(out, how)
}

// inside collects the sources of every expression nested in v, through
// the lists and plain objects (CASE branches, window orders) that hold them.
func (a *analyzer) inside(v any, sc *scope) []Source {
	var out []Source
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if m := asMap(x[k]); m != nil && m["class"] != nil {
				out = append(out, a.expr(m, sc)...)
			} else {
				out = append(out, a.inside(x[k], sc)...)
			}
		}
	case []any:
		for _, item := range x {
			if m := asMap(item); m != nil && m["class"] != nil {
				out = append(out, a.expr(m, sc)...)
			} else {
				out = append(out, a.inside(item, sc)...)
			}
		}
	}
	return out
}

// via raises each source's way to at least how.
func via(deps []Source, how Via) []Source {
	for i := range deps {
		if strength[deps[i].Via] < strength[how] {
			deps[i].Via = how
		}
	}
	return deps
}

// resolve finds the column a reference names: qualified by a relation
// alias, or the first relation in scope (then the enclosing scopes, then
// the select list's aliases) that has it.
func (a *analyzer) resolve(names []any, sc *scope) (col, bool) {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = strings.ToLower(str(n))
	}
	if len(parts) == 0 {
		return col{}, false
	}
	name := parts[len(parts)-1]
	for s := sc; s != nil; s = s.parent {
		if len(parts) > 1 {
			qual := parts[len(parts)-2]
			for _, r := range s.rels {
				if r.alias == qual || r.table == strings.Join(parts[:len(parts)-1], ".") {
					if c, ok := r.find(name); ok {
						return c, true
					}
				}
			}
			continue
		}
		for _, r := range s.rels {
			if !r.open {
				if c, ok := r.find(name); ok {
					return c, true
				}
			}
		}
		for _, r := range s.rels {
			if r.open {
				return r.find(name)
			}
		}
		for _, c := range s.alias {
			if strings.EqualFold(c.name, name) {
				return c, true
			}
		}
	}
	return col{}, false
}

// use records the table columns an expression reads in a role.
func (a *analyzer) use(v any, sc *scope, role string) {
	if v == nil {
		return
	}
	a.record(a.expr(v, sc), role)
}

func (a *analyzer) record(deps []Source, role string) {
	for _, d := range deps {
		if d.Column == "*" {
			continue
		}
		k := [2]string{d.Table, d.Column}
		if a.uses[k] == nil {
			a.uses[k] = map[string]bool{}
		}
		a.uses[k][role] = true
	}
}

// dedupe keeps one source per table column, with its strongest way.
func dedupe(deps []Source) []Source {
	var out []Source
	idx := map[[2]string]int{}
	for _, d := range deps {
		k := [2]string{d.Table, d.Column}
		if i, ok := idx[k]; ok {
			if strength[d.Via] > strength[out[i].Via] {
				out[i].Via = d.Via
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Table+"."+out[i].Column < out[j].Table+"."+out[j].Column
	})
	return out
}
