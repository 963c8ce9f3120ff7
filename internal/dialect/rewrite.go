package dialect

import (
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/dialect/fn"
	"github.com/digitalservices/elt/internal/dialect/tree"
)

// groupByAll lists the keys of GROUP BY ALL: the select list's expressions
// without aggregates (constants left out: they group nothing).
func (p *printer) groupByAll(q node, sc *scope) []any {
	var keys []any
	for _, item := range list(q["select_list"]) {
		e := obj(item)
		switch {
		case str(e["class"]) == "STAR":
			cols, err := p.res.Star(e, sc)
			if err != nil {
				p.refuse(e, "GROUP BY ALL over *", err.Error()+": list the columns")
				return nil
			}
			for _, c := range cols {
				if name := []any{c.Rel, c.Name}; c.Replace == nil {
					if c.Rel == "" {
						name = name[1:]
					}
					keys = append(keys, node{"class": "COLUMN_REF", "column_names": name})
				} else if str(c.Replace["class"]) != "CONSTANT" && !fn.HasAggregate(c.Replace) {
					keys = append(keys, c.Replace)
				}
			}
		case str(e["class"]) == "CONSTANT" || fn.HasAggregate(e):
		default:
			k := node{}
			for n, v := range e {
				if n != "alias" {
					k[n] = v
				}
			}
			keys = append(keys, k)
		}
	}
	return keys
}

// qualify prints SELECT ... QUALIFY cond as a filter over a subquery that
// computes the window functions (and the columns cond reads that are not
// selected) as extra columns __qualify_N.
func (p *printer) qualify(q node, sc *scope, cond node, m sel) string {
	names, defs, err := p.res.Outputs(q, sc.Parent)
	if err != nil {
		return p.refuse(cond, "QUALIFY", err.Error()+": list the columns")
	}
	seen := map[string]bool{}
	for i, n := range names {
		if n == "" {
			return p.refuse(defs[i], "QUALIFY", "name every selected expression with AS")
		}
		if seen[strings.ToLower(n)] {
			return p.refuse(cond, "QUALIFY", "two selected columns are named "+n+": rename one with AS")
		}
		seen[strings.ToLower(n)] = true
	}
	var extra []string
	tree.Walk(cond, func(x node) bool {
		switch str(x["class"]) {
		case "COLUMN_REF":
			if cn := list(x["column_names"]); len(cn) == 1 && seen[strings.ToLower(str(cn[0]))] {
				return false
			}
		case "WINDOW", "SUBQUERY":
		default:
			return true
		}
		name := fmt.Sprintf("__qualify_%d", len(extra)+1)
		extra = append(extra, p.expr(x, sc)+" AS "+name)
		p.repl[ptr(x)] = name
		return false
	})
	core := p.core(q, sc)
	core.items = append(core.items, extra...)
	out := sel{distinct: m.distinct, orderBy: m.orderBy, limit: m.limit, offset: m.offset,
		from: "(\n" + indent(core.String()) + "\n) AS __qualify", where: p.expr(cond, sc)}
	for _, n := range names {
		out.items = append(out.items, p.ident(n))
	}
	return out.String()
}

// argRewrite rewrites a Redshift SELECT with arg_min/arg_max aggregates:
// its FROM item becomes a subquery adding, per call, the value of the
// chosen row of each group as a FIRST_VALUE window column __arg_N
// (partitioned by the GROUP BY keys), which the aggregate then reads with
// max (the column holds one value per group).
func (p *printer) argRewrite(q node, sc *scope, calls []node, keys []any, s *sel) {
	from := obj(q["from_table"])
	t := str(from["type"])
	if t != "BASE_TABLE" && t != "SUBQUERY" || str(from["catalog_name"]) != "" {
		fn.ArgWindow(fn.NewCall(p.in(sc), calls[0], str(calls[0]["function_name"]), nil))
		return
	}
	alias := str(from["alias"])
	if alias == "" && t == "BASE_TABLE" {
		alias = str(from["table_name"])
	}
	star := p.ident(alias) + ".*"
	if alias == "" {
		alias, star = p.fresh("__arg"), "*"
	}
	inner := sel{items: []string{star}, from: p.from(from, sc), where: s.where}
	for i, c := range calls {
		x, conds, order := fn.ArgOrder(p.in(sc), c)
		ok := strings.Join(conds, " AND ")
		over := ""
		if len(keys) > 0 {
			over = "PARTITION BY " + p.exprs(keys, sc) + " "
		}
		over += "ORDER BY CASE WHEN " + ok + " THEN 0 ELSE 1 END, " + strings.Join(order, ", ") + " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
		name := fmt.Sprintf("__arg_%d", i+1)
		inner.items = append(inner.items, "FIRST_VALUE(CASE WHEN "+ok+" THEN "+x+" END) OVER ("+over+") AS "+name)
		p.repl[ptr(c)] = "max(" + name + ")"
	}
	s.from, s.where = "(\n"+indent(inner.String())+"\n) AS "+p.ident(alias), ""
}
