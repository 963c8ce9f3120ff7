package dialect

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/dialect/fn"
	"github.com/digitalservices/elt/internal/dialect/tree"
)

// query prints a query node: a SELECT, a set operation, with its CTEs.
func (p *printer) query(q node, outer *scope) string {
	if p.err != nil || q == nil {
		return ""
	}
	sc := &scope{Parent: outer, CTEs: map[string]node{}}
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
		sc.CTEs[strings.ToLower(name)] = v
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
		return p.refuse(q, strings.ReplaceAll(str(q["setop_type"]), "_", " "), "use UNION, EXCEPT or INTERSECT")
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
			if os := list(mm["orders"]); len(os) == 1 && str(obj(obj(os[0])["expression"])["class"]) == "STAR" {
				s.orderBy = p.orderByAll(q, obj(os[0]), sc)
				continue
			}
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

// orderByAll prints ORDER BY ALL as the positions of every output column
// of q, in order, with the direction and NULL order written.
func (p *printer) orderByAll(q, o node, sc *scope) string {
	names, _, err := p.res.Outputs(q, sc.Parent)
	if err != nil || len(names) == 0 {
		return p.refuse(q, "ORDER BY ALL", "name the columns to order by")
	}
	pos := make([]string, len(names))
	for i := range names {
		pos[i] = strconv.Itoa(i + 1)
		if str(o["type"]) == "DESCENDING" {
			pos[i] += " DESC"
		}
		if n := str(o["null_order"]); n == "NULLS_FIRST" || n == "NULLS FIRST" {
			pos[i] += " NULLS FIRST"
		} else {
			pos[i] += " NULLS LAST"
		}
	}
	return strings.Join(pos, ", ")
}

// selectNode prints a SELECT, rewriting QUALIFY into a filter over a
// subquery.
func (p *printer) selectNode(q node, outer *scope) string {
	sc := p.res.Scope(q, outer)
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
	var conds []string
	if ft := obj(q["from_table"]); ft != nil && str(ft["type"]) != "EMPTY" {
		var semi []node
		ft, semi = semiJoins(ft)
		s.from = p.from(ft, sc)
		for _, j := range semi {
			conds = append(conds, p.exists(j, sc))
		}
	}
	if w := obj(q["where_clause"]); w != nil {
		conds = append([]string{p.expr(w, sc)}, conds...)
	}
	if len(conds) == 1 {
		s.where = conds[0]
	} else if len(conds) > 1 {
		s.where = "(" + strings.Join(conds, ")\n  AND (") + ")"
	}
	keys := list(q["group_expressions"])
	if len(list(q["grouping_sets"])) > 1 {
		p.refuse(q, "GROUPING SETS", "")
	}
	if len(keys) == 0 && str(q["aggregate_handling"]) == "FORCE_AGGREGATES" {
		keys = p.groupByAll(q, sc)
	}
	if p.engine == Redshift {
		if calls := fn.ArgCalls(q); len(calls) > 0 {
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
			if tree.Plain(e) {
				s := "*"
				if r := str(e["relation_name"]); r != "" {
					s = p.ident(r) + ".*"
				}
				out = append(out, s)
				continue
			}
			cols, err := p.res.Star(e, sc)
			if err != nil {
				p.refuse(e, starConstruct(e), err.Error()+": list the columns")
				continue
			}
			for _, c := range cols {
				if table, ok := tree.Assumed(c.Name); ok {
					// Only looking for what has no translation: shown, not run.
					out = append(out, "/* the columns of "+table+" this * names, once the engine has it */ *")
					continue
				}
				s := p.ident(c.Name)
				if c.Rel != "" {
					s = p.ident(c.Rel) + "." + s
				}
				if c.Replace != nil {
					s = p.expr(c.Replace, sc)
				}
				if c.Replace != nil || !strings.EqualFold(c.As, c.Name) {
					s += " AS " + p.ident(c.As)
				}
				out = append(out, s)
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

// starConstruct names a * that is not plain, for a refusal.
func starConstruct(e node) string {
	if e["columns"] == true || e["expr"] != nil {
		return "COLUMNS(...)"
	}
	var s []string
	for _, k := range []string{"exclude", "replace", "rename"} {
		if len(list(e[k+"_list"])) > 0 || k == "exclude" && len(list(e["qualified_exclude_list"])) > 0 {
			s = append(s, strings.ToUpper(k))
		}
	}
	return "SELECT * " + strings.Join(s, " ")
}

// semiJoins peels the SEMI and ANTI joins off the top of a FROM item
// (a SEMI JOIN b ON c keeps the rows of a for which c holds for some row of
// b, ANTI for none), innermost first, leaving what they filter.
func semiJoins(t node) (node, []node) {
	var out []node
	for str(t["type"]) == "JOIN" && str(t["ref_type"]) == "REGULAR" && (str(t["join_type"]) == "SEMI" || str(t["join_type"]) == "ANTI") {
		out = append([]node{t}, out...)
		t = obj(t["left"])
	}
	return t, out
}

// exists prints a SEMI or ANTI join as the [NOT] EXISTS its ON condition
// makes of its right side, for the WHERE of the SELECT it filters.
func (p *printer) exists(j node, sc *scope) string {
	cond := obj(j["condition"])
	if len(list(j["using_columns"])) > 0 || cond == nil {
		return p.refuse(j, str(j["join_type"])+" JOIN with USING", "write its condition with ON")
	}
	s := "EXISTS (\n    SELECT 1\n    FROM " + p.from(obj(j["right"]), sc) + "\n    WHERE " + p.expr(cond, sc) + "\n)"
	if str(j["join_type"]) == "ANTI" {
		s = "NOT " + s
	}
	return s
}

var joins = map[string]string{"INNER": "JOIN", "LEFT": "LEFT JOIN", "RIGHT": "RIGHT JOIN", "FULL": "FULL JOIN", "OUTER": "FULL JOIN"}

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
		return as("(\n" + indent(p.query(obj(obj(t["subquery"])["node"]), sc.Parent)) + "\n)")
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
