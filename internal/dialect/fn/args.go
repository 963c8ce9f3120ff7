package fn

import (
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/dialect/tree"
)

// HasAggregate tells whether e computes an aggregate of its SELECT.
func HasAggregate(e tree.Node) bool {
	found := false
	tree.Walk(e, func(x node) bool {
		switch str(x["class"]) {
		case "SUBQUERY", "WINDOW":
			return false
		case "FUNCTION":
			if m, _ := Lookup(strings.ToLower(str(x["function_name"]))); m.Agg {
				found = true
			}
		}
		return !found
	})
	return found
}

// argNames are DuckDB's arg_min and arg_max, by their names.
var argNames = map[string]bool{"arg_min": false, "min_by": false, "arg_max": true, "max_by": true}

// ArgCalls lists a SELECT's arg_min/arg_max aggregates.
func ArgCalls(q tree.Node) []tree.Node {
	var calls []node
	for _, v := range []any{q["select_list"], q["having"]} {
		tree.Walk(v, func(x node) bool {
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

// ArgOrder is arg_min/arg_max's condition and ordering: DuckDB skips rows
// whose value or ordering value is NULL, and orders rows (a, b) field by
// field with NULL fields greater than any value.
func ArgOrder(p Printer, c tree.Node) (x string, conds, keys []string) {
	kids := list(c["children"])
	if len(kids) != 2 || c["distinct"] == true {
		p.Refuse(c, str(c["function_name"]), "give it two arguments, without DISTINCT")
		return
	}
	dir := " NULLS LAST"
	if argNames[strings.ToLower(str(c["function_name"]))] {
		dir = " DESC NULLS FIRST"
	}
	x = p.Expr(obj(kids[0]))
	conds = []string{p.Paren(obj(kids[0])) + " IS NOT NULL"}
	if y := obj(kids[1]); str(y["function_name"]) == "row" && str(y["class"]) == "FUNCTION" {
		for _, k := range list(y["children"]) {
			keys = append(keys, p.Expr(obj(k))+dir)
		}
	} else {
		conds = append(conds, p.Paren(y)+" IS NOT NULL")
		keys = []string{p.Expr(y) + dir}
	}
	if f := obj(c["filter"]); f != nil {
		if fc := p.Paren(f); fc != "("+conds[0]+")" {
			conds = append(conds, fc)
		}
	}
	return
}

// argAgg is arg_min/arg_max on PostgreSQL: the first of the values in
// order.
func argAgg(max bool) Rule {
	return func(c *Call) string {
		if c.win != nil {
			return c.refuse("not as a window function")
		}
		x, conds, keys := ArgOrder(c.p, c.e)
		return "(array_agg(" + x + " ORDER BY " + strings.Join(keys, ", ") + ") FILTER (WHERE " + strings.Join(conds, " AND ") + "))[1]"
	}
}

// ArgWindow is arg_min/arg_max on Redshift, reached only when the dialect
// package could not rewrite the SELECT into FIRST_VALUE windows: a
// refusal.
func ArgWindow(c *Call) string {
	return c.refuse("Redshift has no array_agg: arg_min/arg_max are rewritten into FIRST_VALUE windows only in a SELECT ... FROM one table, CTE or subquery (no joins) ... GROUP BY; compute the pick in a CTE of that shape")
}

// toJSON translates the two uses of to_json elt knows, each a JSON object
// of a group's keys and values written as DuckDB writes it (NULL for no
// rows): to_json(map(list(k ORDER BY o), list(v ORDER BY o))), and
// to_json(map_from_entries(list_sort(list((k, v))))), whose entries are
// sorted by key (a map's keys are unique, so the values never decide).
func toJSON(c *Call) string {
	const hint = "only to_json(map(list(k ORDER BY o), list(v ORDER BY o))) and to_json(map_from_entries(list_sort(list((k, v))))) are translated"
	m := c.kid(0)
	if len(c.kids()) == 1 && str(m["function_name"]) == "map_from_entries" {
		return c.entriesJSON(m, hint)
	}
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
			dir, ok := sortOrder(k[1:])
			if !ok {
				return c.refuse(hint)
			}
			lm = obj(k[0])
			sorted = c.p.Expr(obj(list(lm["children"])[0])) + dir
		}
		if str(lm["function_name"]) != "list" || len(list(lm["children"])) != 1 || lm["filter"] != nil || lm["distinct"] == true {
			return c.refuse(hint)
		}
		parts[i] = obj(list(lm["children"])[0])
		order[i] = c.p.Orders(list(obj(lm["order_bys"])["orders"]))
		if sorted != "" {
			order[i] = sorted
		}
	}
	if order[0] != order[1] || order[0] == "" {
		return c.refuse("the keys and values must be listed in one order: list(k ORDER BY o), list(v ORDER BY o)")
	}
	return c.jsonObject(parts[0], parts[1], order[0])
}

// entriesJSON is toJSON of map_from_entries(list_sort(list((k, v)))), m
// the map_from_entries call: list the aggregate of a group (not a window),
// unordered, unfiltered, and sorted by literal arguments or none.
func (c *Call) entriesJSON(m node, hint string) string {
	kids := list(m["children"])
	if len(kids) != 1 || str(obj(kids[0])["class"]) != "FUNCTION" || str(obj(kids[0])["function_name"]) != "list_sort" {
		return c.refuse(hint)
	}
	sorted := list(obj(kids[0])["children"])
	if len(sorted) != 1 && len(sorted) != 3 {
		return c.refuse(hint)
	}
	dir, ok := sortOrder(sorted[1:])
	l := obj(sorted[0])
	if !ok || str(l["class"]) != "FUNCTION" || str(l["function_name"]) != "list" || len(list(l["children"])) != 1 ||
		l["filter"] != nil || l["distinct"] == true || len(list(obj(l["order_bys"])["orders"])) > 0 {
		return c.refuse(hint)
	}
	entry := obj(list(l["children"])[0])
	if str(entry["class"]) != "FUNCTION" || str(entry["function_name"]) != "row" || len(list(entry["children"])) != 2 {
		return c.refuse(hint)
	}
	kv := list(entry["children"])
	return c.jsonObject(obj(kv[0]), obj(kv[1]), c.p.Expr(obj(kv[0]))+dir)
}

// sortOrder is the ORDER BY direction and NULL order of list_sort's
// arguments after the list: none (ascending, NULLs last, DuckDB's
// defaults) or two string literals; anything else is not known here (ok
// false).
func sortOrder(args []any) (order string, ok bool) {
	if len(args) == 0 {
		return " NULLS LAST", true
	}
	// As written ('DESC', 'NULLS FIRST'), or as DuckDB writes list(k
	// ORDER BY k DESC): 'DESCENDING', 'ORDER_DEFAULT' (the defaults).
	if len(args) != 2 {
		return "", false
	}
	var lit [2]string
	for i, a := range args {
		k := obj(a)
		if str(k["class"]) != "CONSTANT" || str(obj(obj(k["value"])["type"])["id"]) != "VARCHAR" {
			return "", false
		}
		lit[i] = strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(str(obj(k["value"])["value"]))), "_", " ")
	}
	switch lit[0] {
	case "ASC", "ASCENDING", "ORDER DEFAULT":
	case "DESC", "DESCENDING":
		order = " DESC"
	default:
		return "", false
	}
	switch lit[1] {
	case "NULLS FIRST":
		return order + " NULLS FIRST", true
	case "NULLS LAST", "ORDER DEFAULT":
		return order + " NULLS LAST", true
	}
	return "", false
}

// jsonObject is the JSON object of a group's keys and values, in order.
func (c *Call) jsonObject(k, v node, order string) string {
	key := c.jsonString(c.castText(c.p.Expr(k)))
	val := c.jsonValue(v)
	if c.p.Engine() == Postgres {
		return "('{' || string_agg(" + key + " || ':' || " + val + ", ',' ORDER BY " + order + ") || '}')"
	}
	return "('{' || LISTAGG(" + key + " || ':' || " + val + ", ',') WITHIN GROUP (ORDER BY " + order + ") || '}')"
}

func (c *Call) castText(s string) string {
	if c.p.Engine() == Redshift {
		return "CAST(" + s + " AS VARCHAR(MAX))"
	}
	return "CAST(" + s + " AS text)"
}

// jsonString writes text as a JSON string, escaped as DuckDB escapes it.
func (c *Call) jsonString(s string) string {
	for _, r := range [][2]string{{`\`, `\\`}, {`"`, `\"`}} {
		s = "replace(" + s + ", " + c.literal(r[0]) + ", " + c.literal(r[1]) + ")"
	}
	for _, r := range []struct {
		code int
		esc  string
	}{{10, `\n`}, {13, `\r`}, {9, `\t`}} {
		s = fmt.Sprintf("replace(%s, chr(%d), %s)", s, r.code, c.literal(r.esc))
	}
	return `'"' || ` + s + ` || '"'`
}

// jsonValue writes a map value as DuckDB's JSON does: DECIMAL and DOUBLE as
// shortest doubles with at least one decimal (12.50 is 12.5, 3 is 3.0).
func (c *Call) jsonValue(v node) string {
	t := c.p.TypeOf(v)
	x := c.p.Expr(v)
	var s string
	switch {
	case t == "VARCHAR":
		s = c.jsonString(c.castText(x))
	case t == "BOOLEAN":
		s = "CASE WHEN " + x + " THEN 'true' ELSE 'false' END"
	case t == "TINYINT" || t == "SMALLINT" || t == "INTEGER" || t == "BIGINT":
		s = c.castText(x)
	case strings.HasPrefix(t, "DECIMAL("):
		var w, sc int
		fmt.Sscanf(t, "DECIMAL(%d,%d)", &w, &sc)
		if w > 15 {
			return c.p.Refuse(v, "to_json of a DECIMAL wider than 15 digits", "DuckDB writes it as a double: cast it to DECIMAL(15, s) or narrower")
		}
		if sc == 0 {
			s = c.castText(x) + " || '.0'"
		} else {
			s = "regexp_replace(rtrim(" + c.castText(x) + ", '0'), " + c.literal(`\.$`) + ", '.0')"
		}
	case t == "DOUBLE" && c.p.Engine() == Postgres:
		s = "regexp_replace(" + c.castText(x) + ", '^(-?[0-9]+)$', " + c.literal(`\1.0`) + ")"
	default:
		return c.p.Refuse(v, "to_json of a value of type "+orUnknown(t), "cast the map's values in the model (::DECIMAL(p, s), ::INTEGER, ::VARCHAR)")
	}
	return "coalesce(" + s + ", 'null')"
}

func orUnknown(t string) string {
	if t == "" {
		return "unknown type"
	}
	return t
}
