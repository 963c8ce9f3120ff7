package dialect

import (
	"fmt"
	"strings"
)

// scope is what names mean inside one SELECT: its FROM items and the CTEs
// in reach.
type scope struct {
	rels   []*rel
	ctes   map[string]node // CTE name → its map entry value (query, aliases)
	parent *scope
	using  bool // a join with USING: * is not expanded here
}

// rel is a FROM item: a table, a CTE or a subquery, by its alias.
type rel struct {
	alias         string
	schema, table string // a base table
	query         node   // a CTE's or subquery's query node
	aliases       []any  // its column aliases
	outer         *scope // the scope the query is read in
}

func (s *scope) cte(name string) node {
	for ; s != nil; s = s.parent {
		if c, ok := s.ctes[strings.ToLower(name)]; ok {
			return c
		}
	}
	return nil
}

// columns lists a FROM item's columns in order.
func (p *printer) columns(r *rel) ([]string, error) {
	var cols []string
	if r.query == nil {
		if p.opts.Columns == nil {
			return nil, fmt.Errorf("the columns of %s.%s are not known", r.schema, r.table)
		}
		c, err := p.opts.Columns(r.schema, r.table)
		if err != nil {
			return nil, err
		}
		cols = c
	} else {
		names, _, err := p.outputs(r.query, r.outer)
		if err != nil {
			return nil, err
		}
		cols = names
	}
	for i, a := range r.aliases {
		if i < len(cols) {
			cols[i] = str(a)
		}
	}
	return cols, nil
}

// outputs are the names of a query's output columns and, for a SELECT,
// the select-list expression of each (nil for those of a *).
func (p *printer) outputs(q node, outer *scope) ([]string, []node, error) {
	sc := p.scope(q, outer)
	switch str(q["type"]) {
	case "SET_OPERATION_NODE":
		n, _, err := p.outputs(obj(q["left"]), sc)
		return n, nil, err
	case "SELECT_NODE":
	default:
		return nil, nil, fmt.Errorf("a %s query", q["type"])
	}
	var names []string
	var defs []node
	for _, item := range list(q["select_list"]) {
		e := obj(item)
		if str(e["class"]) == "STAR" {
			cols, _, err := p.star(e, sc)
			if err != nil {
				return nil, nil, err
			}
			for _, c := range cols {
				names = append(names, c[1])
				defs = append(defs, nil)
			}
			continue
		}
		names = append(names, outputName(e))
		defs = append(defs, e)
	}
	return names, defs, nil
}

// outputName is the name DuckDB gives a select-list expression when it is
// plain ("" when DuckDB makes one up from the expression's text).
func outputName(e node) string {
	if a := str(e["alias"]); a != "" {
		return a
	}
	if str(e["class"]) == "COLUMN_REF" {
		n := list(e["column_names"])
		return str(n[len(n)-1])
	}
	return ""
}

// star expands * (t.*, * EXCLUDE (...)) into [relation alias, column]
// pairs; ok is false when the plain * can be printed as is.
func (p *printer) star(e node, sc *scope) ([][2]string, bool, error) {
	if e["replace_list"] != nil && len(obj(e["replace_list"])) > 0 || e["expr"] != nil || e["columns"] == true {
		return nil, false, fmt.Errorf("* REPLACE and COLUMNS(...)")
	}
	qual := strings.ToLower(str(e["relation_name"]))
	exclude := map[string]bool{}
	for _, x := range list(e["exclude_list"]) {
		switch v := x.(type) {
		case string:
			exclude[strings.ToLower(v)] = true
		case node:
			n := list(v["column_names"])
			exclude[strings.ToLower(str(n[len(n)-1]))] = true
		}
	}
	if qual == "" && sc.using {
		return nil, false, fmt.Errorf("* over a join with USING")
	}
	var out [][2]string
	for _, r := range sc.rels {
		if qual != "" && r.alias != qual {
			continue
		}
		cols, err := p.columns(r)
		if err != nil {
			return nil, false, err
		}
		for _, c := range cols {
			if !exclude[strings.ToLower(c)] {
				out = append(out, [2]string{r.alias, c})
			}
		}
	}
	return out, len(exclude) > 0, nil
}

// scope makes the scope of a query node: its CTEs and FROM items.
func (p *printer) scope(q node, outer *scope) *scope {
	sc := &scope{parent: outer, ctes: map[string]node{}}
	for _, e := range list(obj(q["cte_map"])["map"]) {
		em := obj(e)
		sc.ctes[strings.ToLower(str(em["key"]))] = obj(em["value"])
	}
	if ft := obj(q["from_table"]); ft != nil {
		p.rels(ft, sc)
	}
	return sc
}

func (p *printer) rels(t node, sc *scope) {
	alias := strings.ToLower(str(t["alias"]))
	switch str(t["type"]) {
	case "BASE_TABLE":
		r := &rel{alias: alias, schema: strings.ToLower(str(t["schema_name"])), table: strings.ToLower(str(t["table_name"])), aliases: list(t["column_name_alias"])}
		if r.alias == "" {
			r.alias = r.table
		}
		if c := sc.cte(r.table); c != nil && r.schema == "" {
			r.query, r.outer = obj(obj(c["query"])["node"]), sc
			if len(r.aliases) == 0 {
				r.aliases = list(c["aliases"])
			}
		}
		sc.rels = append(sc.rels, r)
	case "SUBQUERY":
		sc.rels = append(sc.rels, &rel{alias: alias, query: obj(obj(t["subquery"])["node"]), aliases: list(t["column_name_alias"]), outer: sc.parent})
	case "JOIN":
		p.rels(obj(t["left"]), sc)
		p.rels(obj(t["right"]), sc)
		if len(list(t["using_columns"])) > 0 {
			sc.using = true
		}
	}
}

// query prints a query node: a SELECT, a set operation, with its CTEs.
func (p *printer) query(q node, outer *scope) string {
	if p.err != nil || q == nil {
		return ""
	}
	sc := &scope{parent: outer, ctes: map[string]node{}}
	var ctes []string
	for _, e := range list(obj(q["cte_map"])["map"]) {
		em := obj(e)
		name, v := str(em["key"]), obj(em["value"])
		cq := obj(obj(v["query"])["node"])
		if str(cq["type"]) == "RECURSIVE_CTE_NODE" || str(cq["type"]) == "CTE_NODE" && cq["recursive"] == true {
			return p.refuse(cq, "recursive CTE "+name, "compute it in DuckDB or rewrite it without recursion")
		}
		head := p.ident(name)
		if al := list(v["aliases"]); len(al) > 0 {
			head += "(" + p.idents(al) + ")"
		}
		ctes = append(ctes, head+" AS (\n"+indent(p.query(cq, sc))+"\n)")
		sc.ctes[strings.ToLower(name)] = v
	}
	var body string
	switch str(q["type"]) {
	case "SELECT_NODE":
		body = p.selectNode(q, sc)
	case "SET_OPERATION_NODE":
		body = p.setop(q, sc)
	default:
		return p.refuse(q, str(q["type"]), "")
	}
	if len(ctes) > 0 {
		body = "WITH " + strings.Join(ctes, ",\n") + "\n" + body
	}
	return body
}

func (p *printer) idents(names []any) string {
	var out []string
	for _, n := range names {
		out = append(out, p.ident(str(n)))
	}
	return strings.Join(out, ", ")
}

var setops = map[string]string{"UNION": "UNION", "EXCEPT": "EXCEPT", "INTERSECT": "INTERSECT"}

func (p *printer) setop(q node, sc *scope) string {
	op, ok := setops[str(q["setop_type"])]
	if !ok {
		return p.refuse(q, str(q["setop_type"]), "use UNION, EXCEPT or INTERSECT")
	}
	if q["setop_all"] == true {
		op += " ALL"
	}
	side := func(n node, left bool) string {
		s := p.query(n, sc)
		plain := len(list(n["modifiers"])) == 0 && len(list(obj(n["cte_map"])["map"])) == 0
		if str(n["type"]) == "SET_OPERATION_NODE" && !(left && n["setop_type"] == q["setop_type"] && n["setop_all"] == q["setop_all"]) {
			plain = false
		}
		if plain {
			return s
		}
		return "(\n" + indent(s) + "\n)"
	}
	s := side(obj(q["left"]), true) + "\n" + op + "\n" + side(obj(q["right"]), false)
	m := p.modifiers(q, sc, false)
	if m.distinct != "" {
		return p.refuse(q, "DISTINCT over a set operation", "")
	}
	if m.orderBy != "" || m.limit != "" || m.offset != "" {
		s = "SELECT *\nFROM (\n" + indent(s) + "\n) AS " + p.fresh("__setop") + m.tail()
	}
	return s
}

func (p *printer) fresh(prefix string) string {
	p.n++
	return fmt.Sprintf("%s_%d", prefix, p.n)
}

// sel is a SELECT being printed, clause by clause.
type sel struct {
	distinct                     string
	items                        []string
	from, where, groupBy, having string
	orderBy, limit, offset       string
}

func (s sel) tail() string {
	var b strings.Builder
	for _, c := range [][2]string{{"ORDER BY", s.orderBy}, {"LIMIT", s.limit}, {"OFFSET", s.offset}} {
		if c[1] != "" {
			b.WriteString("\n" + c[0] + " " + c[1])
		}
	}
	return b.String()
}

func (s sel) String() string {
	var b strings.Builder
	b.WriteString("SELECT")
	if s.distinct != "" {
		b.WriteString(" " + s.distinct)
	}
	b.WriteString("\n" + indent(strings.Join(s.items, ",\n")))
	for _, c := range [][2]string{{"FROM", s.from}, {"WHERE", s.where}, {"GROUP BY", s.groupBy}, {"HAVING", s.having}} {
		if c[1] != "" {
			b.WriteString("\n" + c[0] + " " + c[1])
		}
	}
	return b.String() + s.tail()
}

// modifiers reads DISTINCT, ORDER BY, LIMIT and OFFSET.
func (p *printer) modifiers(q node, sc *scope, distinctOn bool) sel {
	var s sel
	for _, m := range list(q["modifiers"]) {
		mm := obj(m)
		switch str(mm["type"]) {
		case "DISTINCT_MODIFIER":
			s.distinct = "DISTINCT"
			if on := list(mm["distinct_on_targets"]); len(on) > 0 {
				if p.engine == Redshift {
					return sel{distinct: p.refuse(q, "DISTINCT ON", "use QUALIFY row_number() OVER (PARTITION BY ... ORDER BY ...) = 1")}
				}
				s.distinct = "DISTINCT ON (" + p.exprs(on, sc) + ")"
			}
		case "ORDER_MODIFIER":
			s.orderBy = p.orders(list(mm["orders"]), sc)
		case "LIMIT_MODIFIER":
			if l := obj(mm["limit"]); l != nil {
				s.limit = p.expr(l, sc)
			}
			if o := obj(mm["offset"]); o != nil {
				s.offset = p.expr(o, sc)
			}
		default:
			p.refuse(q, str(mm["type"]), "")
		}
	}
	return s
}

// orders prints an ORDER BY list with NULLS FIRST/LAST spelled out: DuckDB
// puts NULLs last both ways unless told, PostgreSQL and Redshift first
// when descending.
func (p *printer) orders(os []any, sc *scope) string {
	var out []string
	for _, o := range os {
		om := obj(o)
		s := p.expr(obj(om["expression"]), sc)
		if str(om["type"]) == "DESCENDING" {
			s += " DESC"
		}
		if str(om["null_order"]) == "NULLS_FIRST" || str(om["null_order"]) == "NULLS FIRST" {
			s += " NULLS FIRST"
		} else {
			s += " NULLS LAST"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// selectNode prints a SELECT, rewriting QUALIFY into a filter over a
// subquery.
func (p *printer) selectNode(q node, outer *scope) string {
	sc := p.scope(q, outer)
	m := p.modifiers(q, sc, true)
	if qual := obj(q["qualify"]); qual != nil {
		return p.qualify(q, sc, qual, m)
	}
	core := p.core(q, sc)
	core.distinct, core.orderBy, core.limit, core.offset = m.distinct, m.orderBy, m.limit, m.offset
	return core.String()
}

// core prints a SELECT's list, FROM, WHERE, GROUP BY and HAVING.
func (p *printer) core(q node, sc *scope) sel {
	var s sel
	if ft := obj(q["from_table"]); ft != nil && str(ft["type"]) != "EMPTY" {
		s.from = p.from(ft, sc)
	}
	if w := obj(q["where_clause"]); w != nil {
		s.where = p.expr(w, sc)
	}
	keys := list(q["group_expressions"])
	if len(list(q["grouping_sets"])) > 1 {
		p.refuse(q, "GROUPING SETS", "")
	}
	if len(keys) == 0 && str(q["aggregate_handling"]) == "FORCE_AGGREGATES" {
		keys = p.groupByAll(q, sc)
	}
	if p.engine == Redshift {
		if calls := argCalls(q); len(calls) > 0 {
			p.argRewrite(q, sc, calls, keys, &s)
		}
	}
	s.items = p.selectList(list(q["select_list"]), sc)
	if len(keys) > 0 {
		s.groupBy = p.exprs(keys, sc)
	}
	if h := obj(q["having"]); h != nil {
		s.having = p.expr(h, sc)
	}
	return s
}

func (p *printer) selectList(items []any, sc *scope) []string {
	var out []string
	for _, item := range items {
		e := obj(item)
		if str(e["class"]) == "STAR" {
			if len(list(e["exclude_list"])) == 0 && len(obj(e["replace_list"])) == 0 && e["expr"] == nil && e["columns"] != true {
				s := "*"
				if r := str(e["relation_name"]); r != "" {
					s = p.ident(r) + ".*"
				}
				out = append(out, s)
				continue
			}
			cols, _, err := p.star(e, sc)
			if err != nil {
				p.refuse(e, "SELECT * EXCLUDE", err.Error()+": list the columns")
				continue
			}
			for _, c := range cols {
				out = append(out, p.ident(c[0])+"."+p.ident(c[1]))
			}
			continue
		}
		s := p.expr(e, sc)
		if a := str(e["alias"]); a != "" {
			s += " AS " + p.ident(a)
		}
		out = append(out, s)
	}
	return out
}

var joins = map[string]string{"INNER": "JOIN", "LEFT": "LEFT JOIN", "RIGHT": "RIGHT JOIN", "OUTER": "FULL JOIN"}

// from prints a FROM item.
func (p *printer) from(t node, sc *scope) string {
	alias := str(t["alias"])
	as := func(s string) string {
		if alias != "" {
			s += " AS " + p.ident(alias)
		}
		if al := list(t["column_name_alias"]); len(al) > 0 {
			s += "(" + p.idents(al) + ")"
		}
		return s
	}
	switch str(t["type"]) {
	case "BASE_TABLE":
		if str(t["catalog_name"]) != "" {
			return p.refuse(t, "a table of another database ("+str(t["catalog_name"])+")", "")
		}
		name := p.ident(str(t["table_name"]))
		if s := str(t["schema_name"]); s != "" {
			name = p.ident(s) + "." + name
		}
		return as(name)
	case "SUBQUERY":
		if alias == "" {
			alias = p.fresh("__subquery")
		}
		return as("(\n" + indent(p.query(obj(obj(t["subquery"])["node"]), sc.parent)) + "\n)")
	case "JOIN":
		kind, ok := joins[str(t["join_type"])]
		switch {
		case str(t["ref_type"]) == "CROSS":
			kind = "CROSS JOIN"
		case str(t["ref_type"]) == "NATURAL" && ok:
			kind = "NATURAL " + kind
		case str(t["ref_type"]) != "REGULAR" || !ok:
			return p.refuse(t, strings.TrimSpace(str(t["ref_type"])+" "+str(t["join_type"])+" JOIN"), "use an INNER, LEFT, RIGHT, FULL or CROSS join")
		}
		right := p.from(obj(t["right"]), sc)
		if str(obj(t["right"])["type"]) == "JOIN" {
			right = "(" + right + ")"
		}
		s := p.from(obj(t["left"]), sc) + "\n" + kind + " " + right
		if u := list(t["using_columns"]); len(u) > 0 {
			s += " USING (" + p.idents(u) + ")"
		} else if c := obj(t["condition"]); c != nil {
			s += "\n    ON " + p.expr(c, sc)
		}
		return s
	}
	return p.refuse(t, "FROM "+strings.ToLower(str(t["type"])), "read tables, CTEs or subqueries only")
}
