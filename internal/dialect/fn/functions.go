package fn

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// same is the function under its own name, meaning the same in both.
func same(agg bool) Mapping {
	r := func(c *Call) string { return c.agg(c.name, c.args()) }
	return Mapping{Agg: agg, pg: r, rs: r}
}

var placeholder = regexp.MustCompile(`\{(\d+)\}`)

// tmpl writes a template: {0}, {1} ... are the arguments, as many as it
// names.
func tmpl(t string) Rule {
	return func(c *Call) string {
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
			args = append(args, c.p.Paren(c.kid(i)))
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

func both(r Rule) Mapping { return Mapping{pg: r, rs: r} }

// nested is a function of lists, structs or maps: neither engine has them.
func nested(hint string) Mapping {
	return Mapping{Hint: "nested values (lists, structs, maps) are not translated" + hint}
}

// functions maps DuckDB's functions to PostgreSQL's and Redshift's. A
// function missing here is refused, naming it.
var functions = map[string]Mapping{
	// The same in both engines.
	"lower": same(false), "upper": same(false), "trim": same(false), "ltrim": same(false), "rtrim": same(false),
	"abs": same(false), "ceil": same(false), "floor": same(false), "sqrt": same(false), "ln": same(false),
	"exp": same(false), "sign": same(false), "replace": same(false), "lpad": same(false), "rpad": same(false),
	"md5": same(false), "nullif": same(false), "date_trunc": same(false), "greatest": same(false), "least": same(false),
	"left": same(false), "right": same(false), "coalesce": same(false),
	"->>": {pg: jsonText, rs: jsonText}, "json_extract_string": {pg: jsonText, rs: jsonText},
	"substr": same(false), "substring": same(false), "split_part": same(false), "reverse": same(false), "repeat": same(false),
	// DuckDB computes these as DOUBLEs.
	"pow":         both(tmpl("power(CAST({0} AS DOUBLE PRECISION), {1})")),
	"power":       both(tmpl("power(CAST({0} AS DOUBLE PRECISION), {1})")),
	"log10":       {pg: tmpl("log10(CAST({0} AS DOUBLE PRECISION))"), rs: tmpl("log(CAST({0} AS DOUBLE PRECISION))")},
	"stddev":      {Agg: true, pg: stddev, rs: stddev},
	"stddev_samp": {Agg: true, pg: stddev, rs: stddev},
	"count":       same(true), "sum": same(true), "avg": {Agg: true, pg: avg, rs: avg}, "min": same(true), "max": same(true),
	"bool_and": same(true), "bool_or": same(true),
	"row_number": same(false), "rank": same(false), "dense_rank": same(false), "ntile": same(false),
	"lag": same(false), "lead": same(false), "first_value": same(false), "last_value": same(false),

	"count_star":            {Agg: true, pg: countStar, rs: countStar},
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
	"epoch_ms":              {pg: epochMS, rs: epochMS},
	"epoch":                 {pg: tmpl("extract(epoch FROM {0})"), rs: tmpl("date_part(epoch, {0})")},
	"to_seconds":            both(interval("second")),
	"to_minutes":            both(interval("minute")),
	"to_hours":              both(interval("hour")),
	"to_days":               both(interval("day")),
	"to_months":             both(interval("month")),
	"to_years":              both(interval("year")),
	"date_part":             both(datePart),
	"year":                  both(partOf("year")),
	"quarter":               both(partOf("quarter")),
	"month":                 both(partOf("month")),
	"day":                   both(partOf("day")),
	"dayofmonth":            both(partOf("day")),
	"hour":                  both(partOf("hour")),
	"minute":                both(partOf("minute")),
	"second":                both(partOf("second")),
	"dayofweek":             both(partOf("dow")),
	"isodow":                both(partOf("isodow")),
	"dayofyear":             both(partOf("doy")),
	"week":                  both(partOf("week")),
	"weekofyear":            both(partOf("week")),
	"datepart":              both(datePart),
	"date_diff":             {pg: dateDiff, rs: rsDateDiff},
	"datediff":              {pg: dateDiff, rs: rsDateDiff},
	"strftime":              both(strftime),
	"getvariable":           both(getvariable),
	"string_agg":            {Agg: true, pg: stringAgg, rs: listagg},
	"listagg":               {Agg: true, pg: stringAgg, rs: listagg},
	"group_concat":          {Agg: true, pg: stringAgg, rs: listagg},
	"arg_min":               {Agg: true, pg: argAgg(false), rs: ArgWindow},
	"arg_max":               {Agg: true, pg: argAgg(true), rs: ArgWindow},
	"min_by":                {Agg: true, pg: argAgg(false), rs: ArgWindow},
	"max_by":                {Agg: true, pg: argAgg(true), rs: ArgWindow},
	"to_json":               both(toJSON),

	"list":             nested(": aggregate into text with string_agg"),
	"array_agg":        nested(": aggregate into text with string_agg"),
	"list_value":       nested(""),
	"map":              nested(": to_json(map(list(k ORDER BY o), list(v ORDER BY o)))::VARCHAR is translated"),
	"map_from_entries": nested(": to_json(map_from_entries(list_sort(list((k, v)))))::VARCHAR is translated"),
	"struct_pack":      nested(": select the fields as columns"),
	"row":              nested(": a row (a, b) is translated only as arg_min/arg_max's ordering, or as an entry of to_json(map_from_entries(list_sort(list((k, v)))))"),
	"list_transform":   nested(""), "list_filter": nested(""), "list_reduce": nested(""), "unnest": nested(""),
}

func pgConcat(c *Call) string {
	return tmpl("concat(" + strings.Join(placeholders(len(c.kids())), ", ") + ")")(c)
}

func placeholders(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, "{"+strconv.Itoa(i)+"}")
	}
	return out
}

// agg writes an aggregate call with DISTINCT, ORDER BY and FILTER; Redshift
// has no FILTER: the filtered value is a CASE.
func (c *Call) agg(name string, args []string) string {
	filter := ""
	if f := obj(c.e["filter"]); f != nil {
		cond := c.p.Expr(f)
		if c.p.Engine() == Postgres {
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
		if c.p.Engine() == Redshift {
			return c.refuse("Redshift orders only LISTAGG's values")
		}
		inner += " ORDER BY " + c.p.Orders(o)
	}
	return name + "(" + inner + ")" + filter
}

func countStar(c *Call) string {
	if c.e["filter"] != nil && c.p.Engine() == Redshift {
		return c.agg("count", nil)
	}
	return c.agg("count", []string{"*"})
}

func fullMatch(c *Call) string {
	if pat, ok := c.constant(1); ok {
		return "(" + c.arg(0) + " ~ " + c.literal("^("+pat+")$") + ")"
	}
	return tmpl("({0} ~ ('^(' || {1} || ')$'))")(c)
}

// avg is a DOUBLE in DuckDB, whatever it averages (the engines average
// integers and decimals exactly, as numerics).
func avg(c *Call) string {
	if c.win != nil {
		return c.agg("avg", c.args()) // OVER follows: the window is cast
	}
	return "CAST(" + c.agg("avg", c.args()) + " AS DOUBLE PRECISION)"
}

// round: a DOUBLE rounds as DuckDB rounds it, x * 10^n to the nearest
// whole number, halves away from zero (std::round), over 10^n: 653.425,
// a little under in binary, gives 653.42 (as a numeric, 653.43). Other
// values round as numerics (PostgreSQL rounds to digits only those;
// round(double) there is rint's half-even).
func round(c *Call) string {
	if isDouble(c.p.TypeOf(c.kid(0))) {
		return roundDouble(c)
	}
	if len(c.kids()) == 1 {
		return tmpl("round(CAST({0} AS numeric))")(c)
	}
	return tmpl("round(CAST({0} AS numeric), {1})")(c)
}

func rsRound(c *Call) string {
	if isDouble(c.p.TypeOf(c.kid(0))) {
		return roundDouble(c)
	}
	if len(c.kids()) == 1 {
		return tmpl("round({0})")(c)
	}
	return tmpl("round({0}, {1})")(c)
}

// roundDouble is DuckDB's rounding of a DOUBLE to n digits (0 without).
func roundDouble(c *Call) string {
	scale := "CAST(1 AS DOUBLE PRECISION)"
	if len(c.kids()) == 2 {
		scale = "power(CAST(10 AS DOUBLE PRECISION), " + c.p.Paren(c.kid(1)) + ")"
	} else if len(c.kids()) != 1 {
		return c.refuse("give it 1 or 2 arguments")
	}
	v := "(" + c.p.Paren(c.kid(0)) + " * " + scale + ")"
	return "(trunc(" + v + " + sign(" + v + ") * 0.5) / " + scale + ")"
}

// epochMS is DuckDB's two epoch_ms: of a number of milliseconds, the
// timestamp; of a timestamp or date, its milliseconds. An argument of a
// type the query does not say is refused: the two cannot be told apart.
func epochMS(c *Call) string {
	switch t := c.p.TypeOf(c.kid(0)); {
	case t == "TIMESTAMP" || t == "TIMESTAMP WITH TIME ZONE" || t == "DATE":
		if c.p.Engine() == Redshift {
			return tmpl("CAST(floor(date_part(epoch, {0}) * 1000) AS BIGINT)")(c)
		}
		return tmpl("CAST(floor(extract(epoch FROM {0}) * 1000) AS bigint)")(c)
	case t == "INTEGER" || t == "BIGINT" || t == "SMALLINT" || t == "TINYINT" || t == "HUGEINT" || strings.HasPrefix(t, "DECIMAL"):
		return tmpl("(TIMESTAMP '1970-01-01 00:00:00' + {0} * INTERVAL '1 millisecond')")(c)
	}
	return c.refuse("say what its argument is: epoch_ms(CAST(x AS BIGINT)) for the timestamp of milliseconds, epoch_ms(CAST(x AS TIMESTAMP)) for a timestamp's milliseconds")
}

// jsonKeys reads a JSON path of plain keys: a key, or $.a.b.
var jsonKeys = regexp.MustCompile(`^(?:\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)|([A-Za-z_][A-Za-z0-9_]*))$`)

// jsonText is ->> and json_extract_string: the text of a JSON value at a
// key or a path of keys ($.a.b), NULL when there is none; an object's or
// array's is its JSON text (as the engine keeps it: its spacing may differ
// from DuckDB's). Other paths (indexes, wildcards, quoted keys) are
// refused.
func jsonText(c *Call) string {
	path, ok := c.constant(1)
	m := jsonKeys.FindStringSubmatch(path)
	if !ok || m == nil || len(c.kids()) != 2 {
		return c.refuse("give a constant key, or a path of plain keys ($.a.b)")
	}
	keys := []string{m[2]}
	if m[1] != "" {
		keys = strings.Split(m[1][1:], ".")
	}
	if c.p.Engine() == Redshift {
		args := []string{c.arg(0)}
		for _, k := range keys {
			args = append(args, c.literal(k))
		}
		return "json_extract_path_text(" + strings.Join(args, ", ") + ")"
	}
	return "(CAST(" + c.arg(0) + " AS json) #>> " + c.literal("{"+strings.Join(keys, ",")+"}") + ")"
}

// stddev is the sample standard deviation, a DOUBLE in DuckDB.
func stddev(c *Call) string {
	if c.win != nil {
		return c.refuse("not as a window function")
	}
	return "CAST(" + c.agg("stddev_samp", c.args()) + " AS DOUBLE PRECISION)"
}

// isDouble tells whether a DuckDB type is a binary floating point one.
func isDouble(t string) bool { return t == "DOUBLE" || t == "FLOAT" || t == "REAL" }

// concat: Redshift's CONCAT takes two arguments and is NULL with either.
func concat(c *Call) string {
	var parts []string
	for i := range c.kids() {
		parts = append(parts, "coalesce(CAST("+c.arg(i)+" AS VARCHAR(MAX)), '')")
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// interval: to_minutes(n) and the like; INTERVAL 5 MINUTE reaches DuckDB's
// tree as to_minutes(CAST(trunc(CAST(5 AS DOUBLE)) AS BIGINT)).
func interval(unit string) Rule {
	return func(c *Call) string {
		k := c.kid(0)
		if str(k["class"]) == "CAST" {
			if t := obj(k["child"]); str(t["function_name"]) == "trunc" {
				if n := obj(obj(list(t["children"])[0])["child"]); str(n["class"]) == "CONSTANT" {
					if v, ok := obj(n["value"])["value"].(json.Number); ok {
						if _, err := v.Int64(); err == nil {
							return "INTERVAL " + c.literal(v.String()+" "+unit)
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
func datePart(c *Call) string {
	part, ok := c.constant(0)
	part = strings.ToLower(part)
	if !ok || !dateParts[part] {
		return c.refuse("give a constant part: " + strings.Join(sortedKeys(dateParts), ", "))
	}
	return partAt(c, part, c.arg(1))
}

// partOf is DuckDB's function of one part of a date or time, hour(ts)
// and the like: date_part(part, ts).
func partOf(part string) Rule {
	return func(c *Call) string {
		if len(c.kids()) != 1 || c.win != nil {
			return c.refuse("give it one argument, not as a window function")
		}
		return partAt(c, part, c.arg(0))
	}
}

// partAt prints date_part(part, x).
func partAt(c *Call, part, x string) string {
	if c.p.Engine() == Redshift && part == "isodow" { // Redshift has dow (Sunday 0) only
		return "((CAST(date_part(dow, " + x + ") AS bigint) + 6) % 7 + 1)"
	}
	if c.p.Engine() == Redshift {
		x = "date_part(" + part + ", " + x + ")"
	} else {
		x = "extract(" + part + " FROM " + x + ")"
	}
	if part == "epoch" {
		return x
	}
	return "CAST(floor(" + x + ") AS bigint)"
}

// dateDiff counts the unit's boundaries between two times, as DuckDB's
// date_diff does.
func dateDiff(c *Call) string {
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

func rsDateDiff(c *Call) string {
	unit, ok := c.constant(0)
	if !ok || !map[string]bool{"year": true, "month": true, "day": true, "hour": true, "minute": true, "second": true}[strings.ToLower(unit)] {
		return c.refuse("give a constant unit: year, month, day, hour, minute or second")
	}
	return "datediff(" + strings.ToLower(unit) + ", " + c.arg(1) + ", " + c.arg(2) + ")"
}

// strftimeCodes are DuckDB's format specifiers in to_char's words.
var strftimeCodes = map[byte]string{'Y': "YYYY", 'm': "MM", 'd': "DD", 'H': "HH24", 'M': "MI", 'S': "SS",
	'j': "DDD", 'a': "Dy", 'A': "FMDay", 'b': "Mon", 'B': "FMMonth", 'y': "YY", 'I': "HH12", 'p': "AM", 'f': "US"}

func strftime(c *Call) string {
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
			return c.p.Refuse(c.e, "strftime's %"+string(f[i]), "use one of %"+strings.Join(sortedCodes(), " %"))
		}
		flush()
		out.WriteString(code)
	}
	flush()
	return "to_char(" + c.arg(0) + ", " + c.literal(out.String()) + ")"
}

func getvariable(c *Call) string {
	name, ok := c.constant(0)
	if !ok {
		return c.refuse("name the variable with a constant string")
	}
	v, ok := c.p.Var(name)
	if !ok {
		return c.p.Refuse(c.e, "getvariable('"+name+"')", "the variable "+name+" is not set: add it to vars:")
	}
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		return strings.ToUpper(strconv.FormatBool(x))
	case string:
		return c.literal(x)
	case int, int64, uint64, int32, uint, float32:
		return fmt.Sprint(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return c.p.Refuse(c.e, "getvariable('"+name+"')", fmt.Sprintf("the variable is a %T, not a number, string or boolean", v))
}

// stringAgg: PostgreSQL's string_agg takes text.
func stringAgg(c *Call) string {
	sep := "','"
	if len(c.kids()) > 1 {
		sep = c.arg(1)
	}
	return c.agg("string_agg", []string{"CAST(" + c.arg(0) + " AS text)", sep})
}

func listagg(c *Call) string {
	if c.win != nil || c.e["distinct"] == true {
		return c.refuse("not as a window function or with DISTINCT on Redshift")
	}
	sep := "','"
	if len(c.kids()) > 1 {
		sep = c.arg(1)
	}
	x := c.arg(0)
	if f := obj(c.e["filter"]); f != nil {
		x = "CASE WHEN " + c.p.Expr(f) + " THEN " + x + " END"
	}
	s := "LISTAGG(" + x + ", " + sep + ")"
	if o := list(obj(c.e["order_bys"])["orders"]); len(o) > 0 {
		s += " WITHIN GROUP (ORDER BY " + c.p.Orders(o) + ")"
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
