package dialect

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/dialect/tree"
)

var comparisons = map[string]string{
	"COMPARE_EQUAL": "=", "COMPARE_NOTEQUAL": "<>", "COMPARE_LESSTHAN": "<", "COMPARE_GREATERTHAN": ">",
	"COMPARE_LESSTHANOREQUALTO": "<=", "COMPARE_GREATERTHANOREQUALTO": ">=",
	"COMPARE_DISTINCT_FROM": "IS DISTINCT FROM", "COMPARE_NOT_DISTINCT_FROM": "IS NOT DISTINCT FROM",
}

// infix are DuckDB's operators that both engines spell (and mean) the same.
var infix = map[string]string{
	"+": "+", "-": "-", "*": "*", "%": "%", "||": "||",
	"~~": "LIKE", "!~~": "NOT LIKE", "~~*": "ILIKE", "!~~*": "NOT ILIKE",
}

func (p *printer) exprs(es []any, sc *scope) string {
	var out []string
	for _, e := range es {
		out = append(out, p.expr(obj(e), sc))
	}
	return strings.Join(out, ", ")
}

// paren prints e, in parentheses when it is an operation.
func (p *printer) paren(e node, sc *scope) string {
	s := p.expr(e, sc)
	switch str(e["class"]) {
	case "COMPARISON", "CONJUNCTION", "BETWEEN", "OPERATOR":
		if str(e["type"]) != "OPERATOR_COALESCE" {
			return "(" + s + ")"
		}
	case "FUNCTION":
		if e["is_operator"] == true || infix[str(e["function_name"])] != "" {
			return "(" + s + ")"
		}
	case "CONSTANT":
		if strings.HasPrefix(s, "-") {
			return "(" + s + ")"
		}
	}
	return s
}

// expr prints an expression.
func (p *printer) expr(e node, sc *scope) string {
	if p.err != nil || e == nil {
		return ""
	}
	if r, ok := p.repl[ptr(e)]; ok {
		return r
	}
	kids := list(e["children"])
	switch str(e["class"]) {
	case "CONSTANT":
		return p.constant(e)
	case "COLUMN_REF":
		if cn := list(e["column_names"]); len(cn) == 1 && p.args != nil {
			if a, ok := p.args[strings.ToLower(str(cn[0]))]; ok {
				return a
			}
		}
		var parts []string
		for _, n := range list(e["column_names"]) {
			parts = append(parts, p.ident(str(n)))
		}
		if len(parts) == 1 && (parts[0] == `"current_timestamp"` || parts[0] == "current_timestamp") {
			return map[Engine]string{Postgres: "now()", Redshift: "GETDATE()"}[p.engine]
		}
		if len(parts) == 1 && (parts[0] == `"current_date"` || parts[0] == "current_date") {
			return "CURRENT_DATE"
		}
		return strings.Join(parts, ".")
	case "CAST":
		return p.cast(e, sc)
	case "COMPARISON":
		op := comparisons[str(e["type"])]
		l, r := obj(e["left"]), obj(e["right"])
		if op == "" {
			return p.refuse(e, str(e["type"]), "")
		}
		if p.engine == Redshift && strings.Contains(op, "DISTINCT") {
			a, b := p.paren(l, sc), p.paren(r, sc)
			same := "((" + a + " IS NULL AND " + b + " IS NULL) OR (" + a + " IS NOT NULL AND " + b + " IS NOT NULL AND " + a + " = " + b + "))"
			if op == "IS DISTINCT FROM" {
				return "NOT " + same
			}
			return same
		}
		return p.paren(l, sc) + " " + op + " " + p.paren(r, sc)
	case "CONJUNCTION":
		op := map[string]string{"CONJUNCTION_AND": " AND ", "CONJUNCTION_OR": " OR "}[str(e["type"])]
		var out []string
		for _, c := range kids {
			out = append(out, p.paren(obj(c), sc))
		}
		return strings.Join(out, op)
	case "BETWEEN":
		return p.paren(obj(e["input"]), sc) + " BETWEEN " + p.paren(obj(e["lower"]), sc) + " AND " + p.paren(obj(e["upper"]), sc)
	case "OPERATOR":
		return p.operator(e, sc)
	case "CASE":
		s := "CASE"
		for _, c := range list(e["case_checks"]) {
			s += " WHEN " + p.expr(obj(obj(c)["when_expr"]), sc) + " THEN " + p.expr(obj(obj(c)["then_expr"]), sc)
		}
		if el := obj(e["else_expr"]); el != nil && !(str(el["class"]) == "CONSTANT" && obj(el["value"])["is_null"] == true) {
			s += " ELSE " + p.expr(el, sc)
		}
		return s + " END"
	case "FUNCTION":
		name := str(e["function_name"])
		if op, ok := infix[name]; ok && (e["is_operator"] == true || name == "||") {
			if len(kids) == 1 && name == "-" {
				return "-" + p.paren(obj(kids[0]), sc)
			}
			if len(kids) == 2 {
				return p.paren(obj(kids[0]), sc) + " " + op + " " + p.paren(obj(kids[1]), sc)
			}
		}
		if name == "/" && len(kids) == 2 {
			// DuckDB's / divides as doubles, integers too.
			return "CAST(" + p.expr(obj(kids[0]), sc) + " AS " + p.double() + ") / " + p.paren(obj(kids[1]), sc)
		}
		if e["is_operator"] == true && name != "->>" {
			return p.refuse(e, "the operator "+name, "")
		}
		return p.call(e, sc, nil)
	case "WINDOW":
		return p.window(e, sc)
	case "SUBQUERY":
		q := "(\n" + indent(p.query(obj(obj(e["subquery"])["node"]), sc)) + "\n)"
		switch str(e["subquery_type"]) {
		case "SCALAR":
			return q
		case "EXISTS":
			return "EXISTS " + q
		case "NOT_EXISTS":
			return "NOT EXISTS " + q
		case "ANY":
			if str(e["comparison_type"]) == "COMPARE_EQUAL" {
				return p.paren(obj(e["child"]), sc) + " IN " + q
			}
			if op := comparisons[str(e["comparison_type"])]; op != "" && !strings.Contains(op, "DISTINCT") {
				return p.paren(obj(e["child"]), sc) + " " + op + " ANY " + q
			}
		case "ALL":
			if op := comparisons[str(e["comparison_type"])]; op != "" && !strings.Contains(op, "DISTINCT") {
				return p.paren(obj(e["child"]), sc) + " " + op + " ALL " + q
			}
		}
		return p.refuse(e, "a "+str(e["subquery_type"])+" subquery", "")
	case "LAMBDA":
		return p.refuse(e, "lambda", "")
	case "STAR":
		return p.refuse(e, "COLUMNS(...) or * in an expression", "name the columns")
	}
	return p.refuse(e, strings.ToLower(str(e["class"])), "")
}

func (p *printer) double() string {
	if p.engine == Redshift {
		return "DOUBLE PRECISION"
	}
	return "double precision"
}

func (p *printer) operator(e node, sc *scope) string {
	kids := list(e["children"])
	switch str(e["type"]) {
	case "OPERATOR_NOT":
		return "NOT " + p.paren(obj(kids[0]), sc)
	case "OPERATOR_IS_NULL":
		return p.paren(obj(kids[0]), sc) + " IS NULL"
	case "OPERATOR_IS_NOT_NULL":
		return p.paren(obj(kids[0]), sc) + " IS NOT NULL"
	case "COMPARE_IN", "COMPARE_NOT_IN":
		op := " IN ("
		if str(e["type"]) == "COMPARE_NOT_IN" {
			op = " NOT IN ("
		}
		return p.paren(obj(kids[0]), sc) + op + p.exprs(kids[1:], sc) + ")"
	case "OPERATOR_COALESCE":
		return "coalesce(" + p.exprs(kids, sc) + ")"
	case "STRUCT_EXTRACT", "ARRAY_EXTRACT", "ARRAY_SLICE":
		return p.refuse(e, "indexing a list or struct", "nested values are not translated")
	}
	return p.refuse(e, strings.ToLower(str(e["type"])), "")
}

// constant prints a literal value.
func (p *printer) constant(e node) string {
	v := obj(e["value"])
	if v["is_null"] == true {
		return "NULL"
	}
	t := obj(v["type"])
	switch id := str(t["id"]); id {
	case "VARCHAR":
		return p.literal(str(v["value"]))
	case "BOOLEAN":
		if v["value"] == true {
			return "TRUE"
		}
		return "FALSE"
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT":
		if n, ok := v["value"].(json.Number); ok {
			return n.String()
		}
		// HUGEINT is serialized as {upper, lower}.
		h := obj(v["value"])
		up, _ := new(big.Int).SetString(string(h["upper"].(json.Number)), 10)
		lo, _ := new(big.Int).SetString(string(h["lower"].(json.Number)), 10)
		return up.Lsh(up, 64).Add(up, lo).String()
	case "DECIMAL":
		n, _ := new(big.Int).SetString(string(v["value"].(json.Number)), 10)
		scale, _ := obj(t["type_info"])["scale"].(json.Number).Int64()
		neg := n.Sign() < 0
		digits := new(big.Int).Abs(n).String()
		for len(digits) <= int(scale) {
			digits = "0" + digits
		}
		s := digits
		if scale > 0 {
			s = digits[:len(digits)-int(scale)] + "." + digits[len(digits)-int(scale):]
		}
		if neg {
			s = "-" + s
		}
		return s
	case "DOUBLE", "FLOAT":
		f, _ := v["value"].(json.Number).Float64()
		return "CAST(" + strconv.FormatFloat(f, 'g', -1, 64) + " AS " + p.double() + ")"
	default:
		return p.refuse(e, "a constant of type "+id, "")
	}
}

func (p *printer) cast(e node, sc *scope) string {
	if e["try_cast"] == true {
		return p.refuse(e, "TRY_CAST", "use CAST, with CASE around values that may not convert")
	}
	dt := tree.DuckType(obj(e["cast_type"]))
	child := obj(e["child"])
	if str(child["class"]) == "CONSTANT" && str(obj(obj(child["value"])["type"])["id"]) == "VARCHAR" {
		text := str(obj(child["value"])["value"])
		switch dt {
		case "INTERVAL", "DATE", "TIMESTAMP", "TIME":
			return dt + " " + p.literal(text)
		case "BOOLEAN":
			switch strings.ToLower(text) {
			case "t", "true":
				return "TRUE"
			case "f", "false":
				return "FALSE"
			}
		}
	}
	if strings.HasSuffix(dt, "(...)") {
		return p.refuse(e, "a cast to "+strings.TrimSuffix(dt, "(...)"), "nested values are not translated")
	}
	t, err := Type(dt, p.engine)
	if err != nil {
		return p.refuse(e, "a cast to "+dt, err.Error())
	}
	if p.engine == Redshift && dt == "VARCHAR" {
		t = "VARCHAR(MAX)"
	}
	return "CAST(" + p.expr(child, sc) + " AS " + t + ")"
}

// frames spells the bounds of a window frame.
var frames = map[string]string{
	"UNBOUNDED_PRECEDING": "UNBOUNDED PRECEDING", "UNBOUNDED_FOLLOWING": "UNBOUNDED FOLLOWING",
	"CURRENT_ROW_RANGE": "CURRENT ROW", "CURRENT_ROW_ROWS": "CURRENT ROW",
	"EXPR_PRECEDING_ROWS": "PRECEDING", "EXPR_FOLLOWING_ROWS": "FOLLOWING",
	"EXPR_PRECEDING_RANGE": "PRECEDING", "EXPR_FOLLOWING_RANGE": "FOLLOWING",
}

// ranking are the window functions that take no frame.
var ranking = map[string]bool{"row_number": true, "rank": true, "dense_rank": true, "ntile": true,
	"lag": true, "lead": true, "percent_rank": true, "cume_dist": true}

// window prints a window function with its OVER clause.
func (p *printer) window(e node, sc *scope) string {
	name := strings.ToLower(str(e["function_name"]))
	if e["ignore_nulls"] == true && p.engine == Postgres {
		return p.refuse(e, name+" IGNORE NULLS", "PostgreSQL has no IGNORE NULLS")
	}
	if e["distinct"] == true || str(e["exclude_clause"]) != "NO_OTHER" && str(e["exclude_clause"]) != "" {
		return p.refuse(e, name+" with DISTINCT or EXCLUDE in a window", "")
	}
	args := list(e["children"])
	for _, k := range []string{"offset_expr", "default_expr"} {
		if x := e[k]; obj(x) != nil {
			args = append(args, x)
		}
	}
	call := node{"function_name": name, "children": args, "filter": e["filter_expr"], "query_location": e["query_location"]}
	if name == "count_star" || name == "count" && len(args) == 0 {
		call["function_name"] = "count_star"
	}
	f := p.call(call, sc, e)
	if e["ignore_nulls"] == true {
		f += " IGNORE NULLS"
	}
	var over []string
	if ps := list(e["partitions"]); len(ps) > 0 {
		over = append(over, "PARTITION BY "+p.exprs(ps, sc))
	}
	orders := list(e["orders"])
	if len(orders) > 0 {
		over = append(over, "ORDER BY "+p.orders(orders, sc))
	}
	start, end := str(e["start"]), str(e["end"])
	if frame := p.frame(e, sc, name, start, end, len(orders) > 0); frame != "" {
		over = append(over, frame)
	}
	f += " OVER (" + strings.Join(over, " ") + ")"
	if name == "avg" { // a DOUBLE in DuckDB (fn's avg leaves the window to this)
		f = "CAST(" + f + " AS " + p.double() + ")"
	}
	return f
}

func (p *printer) frame(e node, sc *scope, name, start, end string, ordered bool) string {
	if ranking[name] {
		return ""
	}
	if start == "UNBOUNDED_PRECEDING" && end == "CURRENT_ROW_RANGE" {
		if p.engine == Postgres || !ordered {
			return "" // the default frame
		}
		if name != "first_value" {
			return p.refuse(e, name+" over a running RANGE frame", "Redshift frames count ROWS: add a frame ROWS BETWEEN ... to the window, or order by unique keys and say ROWS")
		}
		return "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
	}
	kind := "ROWS"
	if strings.HasSuffix(start, "_RANGE") && start != "CURRENT_ROW_RANGE" || strings.HasSuffix(end, "_RANGE") {
		kind = "RANGE"
		if p.engine == Redshift {
			return p.refuse(e, "a RANGE window frame", "Redshift frames count ROWS")
		}
	}
	bound := func(b string, x any) string {
		s, ok := frames[b]
		if !ok {
			return p.refuse(e, "the window frame bound "+b, "")
		}
		if strings.HasPrefix(b, "EXPR_") {
			s = p.expr(obj(x), sc) + " " + s
		}
		return s
	}
	return kind + " BETWEEN " + bound(start, e["start_expr"]) + " AND " + bound(end, e["end_expr"])
}
