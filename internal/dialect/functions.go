package dialect

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// call is a function call being printed.
type call struct {
	p    *printer
	e    node // the FUNCTION node
	sc   *scope
	name string
	win  node // the WINDOW node when the call is a window function
}

func (c *call) kids() []any { return list(c.e["children"]) }
func (c *call) kid(i int) node {
	if k := c.kids(); i < len(k) {
		return obj(k[i])
	}
	return nil
}
func (c *call) arg(i int) string { return c.p.expr(c.kid(i), c.sc) }
func (c *call) args() []string {
	var out []string
	for i := range c.kids() {
		out = append(out, c.arg(i))
	}
	return out
}
func (c *call) refuse(hint string) string { return c.p.refuse(c.e, c.name, hint) }

// constant is the text of a constant string argument.
func (c *call) constant(i int) (string, bool) {
	k := c.kid(i)
	if str(k["class"]) != "CONSTANT" || str(obj(obj(k["value"])["type"])["id"]) != "VARCHAR" {
		return "", false
	}
	return str(obj(k["value"])["value"]), true
}

// rule prints a call for one engine; nil: no translation.
type rule func(c *call) string

// mapping is how one DuckDB function is written in each engine.
type mapping struct {
	agg    bool // an aggregate
	pg, rs rule
	hint   string // what to do instead, where a rule is nil
}

// same is the function under its own name, meaning the same in both.
func same(agg bool) mapping {
	r := func(c *call) string { return c.agg(c.name, c.args()) }
	return mapping{agg: agg, pg: r, rs: r}
}

var placeholder = regexp.MustCompile(`\{(\d+)\}`)

// tmpl writes a template: {0}, {1} ... are the arguments, as many as it
// names.
func tmpl(t string) rule {
	return func(c *call) string {
		if c.win != nil || c.e["filter"] != nil || c.e["distinct"] == true {
			return c.refuse("not as an aggregate or window function")
		}
		n := 0
		for _, m := range placeholder.FindAllStringSubmatch(t, -1) {
			if i, _ := strconv.Atoi(m[1]); i+1 > n {
				n = i + 1
			}
		}
		var args []string
		for i := range c.kids() {
			args = append(args, c.p.paren(c.kid(i), c.sc))
		}
		if len(args) != n {
			return c.refuse(fmt.Sprintf("give it %d arguments", n))
		}
		return placeholder.ReplaceAllStringFunc(t, func(m string) string {
			i, _ := strconv.Atoi(m[1 : len(m)-1])
			return args[i]
		})
	}
}

func both(r rule) mapping { return mapping{pg: r, rs: r} }

// nested is a function of lists, structs or maps: neither engine has them.
func nested(hint string) mapping {
	return mapping{hint: "nested values (lists, structs, maps) are not translated" + hint}
}

// functions maps DuckDB's functions to PostgreSQL's and Redshift's. A
// function missing here is refused, naming it.
var functions = map[string]mapping{
	// The same in both engines.
	"lower": same(false), "upper": same(false), "trim": same(false), "ltrim": same(false), "rtrim": same(false),
	"abs": same(false), "ceil": same(false), "floor": same(false), "sqrt": same(false), "ln": same(false),
	"exp": same(false), "sign": same(false), "replace": same(false), "lpad": same(false), "rpad": same(false),
	"md5": same(false), "nullif": same(false), "date_trunc": same(false), "greatest": same(false), "least": same(false),
	"left": same(false), "right": same(false), "coalesce": same(false),
	"count": same(true), "sum": same(true), "avg": same(true), "min": same(true), "max": same(true),
	"bool_and": same(true), "bool_or": same(true),
	"row_number": same(false), "rank": same(false), "dense_rank": same(false), "ntile": same(false),
	"lag": same(false), "lead": same(false), "first_value": same(false), "last_value": same(false),

	"count_star":            {agg: true, pg: countStar, rs: countStar},
	"ifnull":                both(tmpl("coalesce({0}, {1})")),
	"now":                   {pg: tmpl("now()"), rs: tmpl("GETDATE()")},
	"get_current_timestamp": {pg: tmpl("now()"), rs: tmpl("GETDATE()")},
	"strlen":                both(tmpl("octet_length({0})")),
	"length":                both(tmpl("length({0})")),
	"contains":              both(tmpl("(strpos({0}, {1}) > 0)")),
	"starts_with":           {pg: tmpl("starts_with({0}, {1})"), rs: tmpl("(left({0}, length({1})) = {1})")},
	"regexp_matches":        both(tmpl("({0} ~ {1})")),
	"regexp_full_match":     both(fullMatch),
	"round":                 {pg: round, rs: rsRound},
	"concat":                {pg: pgConcat, rs: concat},
	"epoch_ms":              both(tmpl("(TIMESTAMP '1970-01-01 00:00:00' + {0} * INTERVAL '1 millisecond')")),
	"epoch":                 {pg: tmpl("extract(epoch FROM {0})"), rs: tmpl("date_part(epoch, {0})")},
	"to_seconds":            both(interval("second")),
	"to_minutes":            both(interval("minute")),
	"to_hours":              both(interval("hour")),
	"to_days":               both(interval("day")),
	"to_months":             both(interval("month")),
	"to_years":              both(interval("year")),
	"date_part":             both(datePart),
	"datepart":              both(datePart),
	"date_diff":             {pg: dateDiff, rs: rsDateDiff},
	"datediff":              {pg: dateDiff, rs: rsDateDiff},
	"strftime":              both(strftime),
	"getvariable":           both(getvariable),
	"string_agg":            {agg: true, pg: stringAgg, rs: listagg},
	"listagg":               {agg: true, pg: stringAgg, rs: listagg},
	"group_concat":          {agg: true, pg: stringAgg, rs: listagg},
	"arg_min":               {agg: true, pg: argAgg(false), rs: argWindow},
	"arg_max":               {agg: true, pg: argAgg(true), rs: argWindow},
	"min_by":                {agg: true, pg: argAgg(false), rs: argWindow},
	"max_by":                {agg: true, pg: argAgg(true), rs: argWindow},
	"to_json":               both(toJSON),

	"list":           nested(": aggregate into text with string_agg"),
	"array_agg":      nested(": aggregate into text with string_agg"),
	"list_value":     nested(""),
	"map":            nested(": to_json(map(list(k ORDER BY o), list(v ORDER BY o)))::VARCHAR is translated"),
	"struct_pack":    nested(": select the fields as columns"),
	"row":            nested(": a row (a, b) is translated only as arg_min/arg_max's ordering"),
	"list_transform": nested(""), "list_filter": nested(""), "list_reduce": nested(""), "unnest": nested(""),
}

func pgConcat(c *call) string {
	return tmpl("concat(" + strings.Join(placeholders(len(c.kids())), ", ") + ")")(c)
}

func placeholders(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, "{"+strconv.Itoa(i)+"}")
	}
	return out
}

// lookup finds a function's mapping (through a variable: the table's
// rules call the printer, which looks functions up).
var lookup func(name string) (mapping, bool)

func init() {
	lookup = func(name string) (mapping, bool) { m, ok := functions[name]; return m, ok }
}

// Functions lists the DuckDB functions with a translation for e.
func Functions(e Engine) []string {
	var out []string
	for name, m := range functions {
		if e == Postgres && m.pg != nil || e == Redshift && m.rs != nil {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// call prints a function call (win: the WINDOW node it is one of).
func (p *printer) call(e node, sc *scope, win node) string {
	name := strings.ToLower(str(e["function_name"]))
	for _, k := range list(e["children"]) {
		if str(obj(k)["class"]) == "LAMBDA" {
			return p.refuse(e, name+" (a lambda)", "lambdas and the lists they work on are not translated")
		}
	}
	if s := str(e["schema"]); s != "" && s != "main" || str(e["catalog"]) != "" {
		return p.refuse(e, s+"."+name, "")
	}
	m, ok := lookup(name)
	r := m.pg
	if p.engine == Redshift {
		r = m.rs
	}
	if mac, isMacro := p.opts.Macros[name]; !ok && isMacro {
		return p.macro(e, sc, mac)
	}
	if !ok {
		return p.refuse(e, name, "elt does not know this function in "+string(p.engine)+": write the model with one it translates")
	}
	if r == nil {
		return p.refuse(e, name, m.hint)
	}
	return r(&call{p: p, e: e, sc: sc, name: name, win: win})
}

// agg writes an aggregate call with DISTINCT, ORDER BY and FILTER; Redshift
// has no FILTER: the filtered value is a CASE.
func (c *call) agg(name string, args []string) string {
	filter := ""
	if f := obj(c.e["filter"]); f != nil {
		cond := c.p.expr(f, c.sc)
		if c.p.engine == Postgres {
			filter = " FILTER (WHERE " + cond + ")"
		} else {
			if len(args) == 0 {
				args = []string{"1"}
			}
			args[0] = "CASE WHEN " + cond + " THEN " + args[0] + " END"
		}
	}
	inner := strings.Join(args, ", ")
	if c.e["distinct"] == true {
		inner = "DISTINCT " + inner
	}
	if o := list(obj(c.e["order_bys"])["orders"]); len(o) > 0 {
		if c.p.engine == Redshift {
			return c.refuse("Redshift orders only LISTAGG's values")
		}
		inner += " ORDER BY " + c.p.orders(o, c.sc)
	}
	return name + "(" + inner + ")" + filter
}

func countStar(c *call) string {
	if c.e["filter"] != nil && c.p.engine == Redshift {
		return c.agg("count", nil)
	}
	return c.agg("count", []string{"*"})
}

func fullMatch(c *call) string {
	if pat, ok := c.constant(1); ok {
		return "(" + c.arg(0) + " ~ " + c.p.literal("^("+pat+")$") + ")"
	}
	return tmpl("({0} ~ ('^(' || {1} || ')$'))")(c)
}

// round: PostgreSQL rounds to digits only numerics.
func round(c *call) string {
	if len(c.kids()) == 1 {
		return tmpl("round(CAST({0} AS numeric))")(c) // not rint's half-even
	}
	return tmpl("round(CAST({0} AS numeric), {1})")(c)
}

func rsRound(c *call) string {
	if len(c.kids()) == 1 {
		return tmpl("round({0})")(c)
	}
	return tmpl("round({0}, {1})")(c)
}

// concat: Redshift's CONCAT takes two arguments and is NULL with either.
func concat(c *call) string {
	var parts []string
	for i := range c.kids() {
		parts = append(parts, "coalesce(CAST("+c.arg(i)+" AS VARCHAR(MAX)), '')")
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// interval: to_minutes(n) and the like; INTERVAL 5 MINUTE reaches DuckDB's
// tree as to_minutes(CAST(trunc(CAST(5 AS DOUBLE)) AS BIGINT)).
func interval(unit string) rule {
	return func(c *call) string {
		k := c.kid(0)
		if str(k["class"]) == "CAST" {
			if t := obj(k["child"]); str(t["function_name"]) == "trunc" {
				if n := obj(obj(list(t["children"])[0])["child"]); str(n["class"]) == "CONSTANT" {
					if v, ok := obj(n["value"])["value"].(json.Number); ok {
						if _, err := v.Int64(); err == nil {
							return "INTERVAL " + c.p.literal(v.String()+" "+unit)
						}
					}
				}
			}
		}
		return tmpl("({0} * INTERVAL '1 " + unit + "')")(c)
	}
}

var dateParts = map[string]bool{"year": true, "quarter": true, "month": true, "day": true, "hour": true,
	"minute": true, "second": true, "dow": true, "isodow": true, "doy": true, "week": true, "epoch": true}

// datePart: DuckDB's date_part is a whole number (seconds too), epoch a
// double.
func datePart(c *call) string {
	part, ok := c.constant(0)
	part = strings.ToLower(part)
	if !ok || !dateParts[part] {
		return c.refuse("give a constant part: " + strings.Join(sortedKeys(dateParts), ", "))
	}
	x := "extract(" + part + " FROM " + c.arg(1) + ")"
	if c.p.engine == Redshift {
		x = "date_part(" + part + ", " + c.arg(1) + ")"
	}
	if part == "epoch" {
		return x
	}
	return "CAST(floor(" + x + ") AS bigint)"
}

// dateDiff counts the unit's boundaries between two times, as DuckDB's
// date_diff does.
func dateDiff(c *call) string {
	unit, _ := c.constant(0)
	a, b := c.arg(1), c.arg(2)
	y := func(x string) string { return "extract(year FROM " + x + ")" }
	switch strings.ToLower(unit) {
	case "year":
		return "CAST(" + y(b) + " - " + y(a) + " AS bigint)"
	case "month":
		return "CAST((" + y(b) + " - " + y(a) + ") * 12 + extract(month FROM " + b + ") - extract(month FROM " + a + ") AS bigint)"
	case "day":
		return "(CAST(" + b + " AS date) - CAST(" + a + " AS date))"
	case "hour", "minute", "second":
		secs := map[string]string{"hour": "3600", "minute": "60", "second": "1"}[strings.ToLower(unit)]
		t := func(x string) string {
			return "extract(epoch FROM date_trunc('" + strings.ToLower(unit) + "', " + x + "))"
		}
		return "CAST((" + t(b) + " - " + t(a) + ") / " + secs + " AS bigint)"
	}
	return c.refuse("give a constant unit: year, month, day, hour, minute or second")
}

func rsDateDiff(c *call) string {
	unit, ok := c.constant(0)
	if !ok || !map[string]bool{"year": true, "month": true, "day": true, "hour": true, "minute": true, "second": true}[strings.ToLower(unit)] {
		return c.refuse("give a constant unit: year, month, day, hour, minute or second")
	}
	return "datediff(" + strings.ToLower(unit) + ", " + c.arg(1) + ", " + c.arg(2) + ")"
}

// strftimeCodes are DuckDB's format specifiers in to_char's words.
var strftimeCodes = map[byte]string{'Y': "YYYY", 'm': "MM", 'd': "DD", 'H': "HH24", 'M': "MI", 'S': "SS",
	'j': "DDD", 'a': "Dy", 'A': "FMDay", 'b': "Mon", 'B': "FMMonth", 'y': "YY", 'I': "HH12", 'p': "AM", 'f': "US"}

func strftime(c *call) string {
	f, ok := c.constant(1)
	if !ok {
		return c.refuse("give the format as a constant string")
	}
	var out, lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out.WriteString(`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(lit.String()) + `"`)
			lit.Reset()
		}
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			lit.WriteByte(f[i])
			continue
		}
		if i+1 == len(f) {
			return c.refuse("the format ends in a lone %")
		}
		i++
		if f[i] == '%' {
			lit.WriteByte('%')
			continue
		}
		code, ok := strftimeCodes[f[i]]
		if !ok {
			return c.p.refuse(c.e, "strftime's %"+string(f[i]), "use one of %"+strings.Join(sortedCodes(), " %"))
		}
		flush()
		out.WriteString(code)
	}
	flush()
	return "to_char(" + c.arg(0) + ", " + c.p.literal(out.String()) + ")"
}

func getvariable(c *call) string {
	name, ok := c.constant(0)
	if !ok {
		return c.refuse("name the variable with a constant string")
	}
	v, ok := c.p.opts.Vars[name]
	if !ok {
		return c.p.refuse(c.e, "getvariable('"+name+"')", "the variable "+name+" is not set: add it to vars:")
	}
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		return strings.ToUpper(strconv.FormatBool(x))
	case string:
		return c.p.literal(x)
	case int, int64, uint64, int32, uint, float32:
		return fmt.Sprint(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return c.p.refuse(c.e, "getvariable('"+name+"')", fmt.Sprintf("the variable is a %T, not a number, string or boolean", v))
}

// stringAgg: PostgreSQL's string_agg takes text.
func stringAgg(c *call) string {
	sep := "','"
	if len(c.kids()) > 1 {
		sep = c.arg(1)
	}
	return c.agg("string_agg", []string{"CAST(" + c.arg(0) + " AS text)", sep})
}

func listagg(c *call) string {
	if c.win != nil || c.e["distinct"] == true {
		return c.refuse("not as a window function or with DISTINCT on Redshift")
	}
	sep := "','"
	if len(c.kids()) > 1 {
		sep = c.arg(1)
	}
	x := c.arg(0)
	if f := obj(c.e["filter"]); f != nil {
		x = "CASE WHEN " + c.p.expr(f, c.sc) + " THEN " + x + " END"
	}
	s := "LISTAGG(" + x + ", " + sep + ")"
	if o := list(obj(c.e["order_bys"])["orders"]); len(o) > 0 {
		s += " WITHIN GROUP (ORDER BY " + c.p.orders(o, c.sc) + ")"
	}
	return s
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedCodes() []string {
	var out []string
	for k := range strftimeCodes {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}
