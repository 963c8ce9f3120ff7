package dialect

import (
	"fmt"
	"sort"
	"strings"
)

// walk visits the expressions in v in a fixed order, not entering
// subqueries or window functions unless enter says so; visit returns
// false not to go inside a node.
func walk(v any, visit func(e node) bool) {
	switch x := v.(type) {
	case node:
		if x["class"] != nil && !visit(x) {
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walk(x[k], visit)
		}
	case []any:
		for _, item := range x {
			walk(item, visit)
		}
	}
}

// hasAggregate tells whether e computes an aggregate of its SELECT.
func hasAggregate(e node) bool {
	found := false
	walk(e, func(x node) bool {
		switch str(x["class"]) {
		case "SUBQUERY", "WINDOW":
			return false
		case "FUNCTION":
			if m, _ := lookup(strings.ToLower(str(x["function_name"]))); m.agg {
				found = true
			}
		}
		return !found
	})
	return found
}

// groupByAll lists the keys of GROUP BY ALL: the select list's expressions
// without aggregates (constants left out: they group nothing).
func (p *printer) groupByAll(q node, sc *scope) []any {
	var keys []any
	for _, item := range list(q["select_list"]) {
		e := obj(item)
		switch {
		case str(e["class"]) == "STAR":
			cols, _, err := p.star(e, sc)
			if err != nil {
				p.refuse(e, "GROUP BY ALL over *", err.Error()+": list the columns")
				return nil
			}
			for _, c := range cols {
				keys = append(keys, node{"class": "COLUMN_REF", "column_names": []any{c[0], c[1]}})
			}
		case str(e["class"]) == "CONSTANT" || hasAggregate(e):
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
	names, defs, err := p.outputs(q, sc.parent)
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
	walk(cond, func(x node) bool {
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

// argNames are DuckDB's arg_min and arg_max, by their names.
var argNames = map[string]bool{"arg_min": false, "min_by": false, "arg_max": true, "max_by": true}

// argCalls lists a SELECT's arg_min/arg_max aggregates.
func argCalls(q node) []node {
	var calls []node
	for _, v := range []any{q["select_list"], q["having"]} {
		walk(v, func(x node) bool {
			switch str(x["class"]) {
			case "SUBQUERY", "WINDOW":
				return false
			case "FUNCTION":
				if _, ok := argNames[strings.ToLower(str(x["function_name"]))]; ok {
					calls = append(calls, x)
				}
			}
			return true
		})
	}
	return calls
}

// argOrder is arg_min/arg_max's condition and ordering: DuckDB skips rows
// whose value or ordering value is NULL, and orders rows (a, b) field by
// field with NULL fields greater than any value.
func (p *printer) argOrder(c node, sc *scope) (x string, conds, keys []string) {
	kids := list(c["children"])
	if len(kids) != 2 || c["distinct"] == true {
		p.refuse(c, str(c["function_name"]), "give it two arguments, without DISTINCT")
		return
	}
	dir := " NULLS LAST"
	if argNames[strings.ToLower(str(c["function_name"]))] {
		dir = " DESC NULLS FIRST"
	}
	x = p.expr(obj(kids[0]), sc)
	conds = []string{p.paren(obj(kids[0]), sc) + " IS NOT NULL"}
	if y := obj(kids[1]); str(y["function_name"]) == "row" && str(y["class"]) == "FUNCTION" {
		for _, k := range list(y["children"]) {
			keys = append(keys, p.expr(obj(k), sc)+dir)
		}
	} else {
		conds = append(conds, p.paren(y, sc)+" IS NOT NULL")
		keys = []string{p.expr(y, sc) + dir}
	}
	if f := obj(c["filter"]); f != nil {
		if fc := p.paren(f, sc); fc != "("+conds[0]+")" {
			conds = append(conds, fc)
		}
	}
	return
}

// argAgg is arg_min/arg_max on PostgreSQL: the first of the values in
// order.
func argAgg(max bool) rule {
	return func(c *call) string {
		if c.win != nil {
			return c.refuse("not as a window function")
		}
		x, conds, keys := c.p.argOrder(c.e, c.sc)
		return "(array_agg(" + x + " ORDER BY " + strings.Join(keys, ", ") + ") FILTER (WHERE " + strings.Join(conds, " AND ") + "))[1]"
	}
}

// argWindow is reached on Redshift only when argRewrite could not rewrite
// the SELECT.
func argWindow(c *call) string {
	return c.refuse("Redshift has no array_agg: arg_min/arg_max are rewritten into FIRST_VALUE windows only in a SELECT ... FROM one table, CTE or subquery (no joins) ... GROUP BY; compute the pick in a CTE of that shape")
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
		argWindow(&call{p: p, e: calls[0], name: str(calls[0]["function_name"])})
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
		x, conds, order := p.argOrder(c, sc)
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

// typeOf is the DuckDB type of an expression when the query says it: a
// cast, a constant, or a column of a subquery or CTE that is one; "" when
// not known.
func (p *printer) typeOf(e node, sc *scope) string {
	switch str(e["class"]) {
	case "CAST":
		return duckType(obj(e["cast_type"]))
	case "CONSTANT":
		return duckType(obj(obj(e["value"])["type"]))
	case "COLUMN_REF":
		cn := list(e["column_names"])
		name := strings.ToLower(str(cn[len(cn)-1]))
		for _, r := range sc.rels {
			if r.query == nil || len(cn) > 1 && r.alias != strings.ToLower(str(cn[len(cn)-2])) {
				continue
			}
			q := r.query
			for str(q["type"]) == "SET_OPERATION_NODE" {
				q = obj(q["left"])
			}
			names, defs, err := p.outputs(q, r.outer)
			if err != nil {
				return ""
			}
			for i, n := range names {
				if i < len(r.aliases) {
					n = str(r.aliases[i])
				}
				if strings.ToLower(n) == name && defs[i] != nil {
					return p.typeOf(defs[i], p.scope(q, r.outer))
				}
			}
		}
	}
	return ""
}

// toJSON translates the one use of to_json elt knows:
// to_json(map(list(k ORDER BY o), list(v ORDER BY o))), a JSON object of
// a group's keys and values written as DuckDB writes it (NULL for no rows).
func toJSON(c *call) string {
	const hint = "only to_json(map(list(k ORDER BY o), list(v ORDER BY o))) is translated"
	m := c.kid(0)
	if len(c.kids()) != 1 || str(m["function_name"]) != "map" || len(list(m["children"])) != 2 {
		return c.refuse(hint)
	}
	var parts [2]node
	var order [2]string
	for i, l := range list(m["children"]) {
		lm := obj(l)
		sorted := ""
		if str(lm["function_name"]) == "list_sort" && len(list(lm["children"])) == 3 {
			// DuckDB reads list(k ORDER BY k) as list_sort(list(k), order, nulls).
			k := list(lm["children"])
			dir, nulls := str(obj(obj(k[1])["value"])["value"]), str(obj(obj(k[2])["value"])["value"])
			lm = obj(k[0])
			sorted = c.p.expr(obj(list(lm["children"])[0]), c.sc)
			if strings.HasPrefix(strings.ToUpper(dir), "DESC") {
				sorted += " DESC"
			}
			if strings.Contains(strings.ToUpper(nulls), "FIRST") {
				sorted += " NULLS FIRST"
			} else {
				sorted += " NULLS LAST"
			}
		}
		if str(lm["function_name"]) != "list" || len(list(lm["children"])) != 1 || lm["filter"] != nil || lm["distinct"] == true {
			return c.refuse(hint)
		}
		parts[i] = obj(list(lm["children"])[0])
		order[i] = c.p.orders(list(obj(lm["order_bys"])["orders"]), c.sc)
		if sorted != "" {
			order[i] = sorted
		}
	}
	if order[0] != order[1] || order[0] == "" {
		return c.refuse("the keys and values must be listed in one order: list(k ORDER BY o), list(v ORDER BY o)")
	}
	key := c.p.jsonString(c.p.castText(c.p.expr(parts[0], c.sc)))
	val := c.p.jsonValue(parts[1], c.sc)
	if c.p.engine == Postgres {
		return "('{' || string_agg(" + key + " || ':' || " + val + ", ',' ORDER BY " + order[0] + ") || '}')"
	}
	return "('{' || LISTAGG(" + key + " || ':' || " + val + ", ',') WITHIN GROUP (ORDER BY " + order[0] + ") || '}')"
}

func (p *printer) castText(s string) string {
	if p.engine == Redshift {
		return "CAST(" + s + " AS VARCHAR(MAX))"
	}
	return "CAST(" + s + " AS text)"
}

// jsonString writes text as a JSON string, escaped as DuckDB escapes it.
func (p *printer) jsonString(s string) string {
	for _, r := range [][2]string{{`\`, `\\`}, {`"`, `\"`}} {
		s = "replace(" + s + ", " + p.literal(r[0]) + ", " + p.literal(r[1]) + ")"
	}
	for _, r := range []struct {
		code int
		esc  string
	}{{10, `\n`}, {13, `\r`}, {9, `\t`}} {
		s = fmt.Sprintf("replace(%s, chr(%d), %s)", s, r.code, p.literal(r.esc))
	}
	return `'"' || ` + s + ` || '"'`
}

// jsonValue writes a map value as DuckDB's JSON does: DECIMAL and DOUBLE as
// shortest doubles with at least one decimal (12.50 is 12.5, 3 is 3.0).
func (p *printer) jsonValue(v node, sc *scope) string {
	t := p.typeOf(v, sc)
	x := p.expr(v, sc)
	var s string
	switch {
	case t == "VARCHAR":
		s = p.jsonString(p.castText(x))
	case t == "BOOLEAN":
		s = "CASE WHEN " + x + " THEN 'true' ELSE 'false' END"
	case t == "TINYINT" || t == "SMALLINT" || t == "INTEGER" || t == "BIGINT":
		s = p.castText(x)
	case strings.HasPrefix(t, "DECIMAL("):
		var w, sc int
		fmt.Sscanf(t, "DECIMAL(%d,%d)", &w, &sc)
		if w > 15 {
			return p.refuse(v, "to_json of a DECIMAL wider than 15 digits", "DuckDB writes it as a double: cast it to DECIMAL(15, s) or narrower")
		}
		if sc == 0 {
			s = p.castText(x) + " || '.0'"
		} else {
			s = "regexp_replace(rtrim(" + p.castText(x) + ", '0'), " + p.literal(`\.$`) + ", '.0')"
		}
	case t == "DOUBLE" && p.engine == Postgres:
		s = "regexp_replace(" + p.castText(x) + ", '^(-?[0-9]+)$', " + p.literal(`\1.0`) + ")"
	default:
		return p.refuse(v, "to_json of a value of type "+orUnknown(t), "cast the map's values in the model (::DECIMAL(p, s), ::INTEGER, ::VARCHAR)")
	}
	return "coalesce(" + s + ", 'null')"
}

func orUnknown(t string) string {
	if t == "" {
		return "unknown type"
	}
	return t
}
