// Package rules owns a source's declared rules as SQL: the macros of the
// contract's field rules (sql/macros.sql), the view of a frame of records
// they read (View), the one pass that checks and types every field of a
// batch's records (Select), and the statement that loads its good records
// into bronze and hands the others to elt_reject (Insert).
package rules

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/ingest/read"
	"github.com/digitalservices/elt/internal/sqlname"
)

// Macros is the SQL that creates the field rules' macros (elt_ts_text is
// the contract's timestamp rule, for one).
func Macros() (string, error) {
	var b strings.Builder
	err := macrosSQL.Execute(&b, kinds())
	return b.String(), err
}

// kinds are read.JSONTypes and read.KindStamp (as STAMP): what the macros
// test a field's kind against.
func kinds() map[string]uint8 {
	out := maps.Clone(read.JSONTypes)
	out["STAMP"] = read.KindStamp
	return out
}

// macrosText is the field rules' macros, given the kinds by type name.
//
//go:embed sql/macros.sql
var macrosText string

var macrosSQL = template.Must(template.New("macros").Funcs(template.FuncMap{
	"timestampPattern": func() string { return contract.TimestampPattern },
}).Parse(macrosText))

// Marks are, per field of src, how read.Frame lays out its values:
//   - Stamped: Go marks its strings of the timestamp shape (read.KindStamp)
//     for elt_ts to cast without matching the pattern: a timestamp field's,
//     unless lower or upper changes the text between (a T or a Z lowered
//     breaks the shape);
//   - RawJSON: its JSON as written is taken as JSON without DuckDB parsing
//     it again (View's _jsonN): a json field of an NDJSON source, whose
//     text no normalize changes. Go's strict parser has checked it; casting
//     10M events' properties to JSON took about 1 s of a 49 s build.
func Marks(src contract.Source) []read.Mark {
	out := make([]read.Mark, len(src.Fields))
	for i, f := range src.Fields {
		switch {
		case f.Type.Base() == contract.Timestamp && !slices.ContainsFunc(f.Normalize, func(n string) bool { return n == "lower" || n == "upper" }):
			out[i] = read.Stamped
		case rawJSON(src, f):
			out[i] = read.RawJSON
		}
	}
	return out
}

// rawJSON tells whether field f of src is marked read.RawJSON.
func rawJSON(src contract.Source, f contract.Field) bool {
	return src.Format == contract.NDJSON && f.Type.Base() == contract.JSON && len(f.Normalize) == 0
}

// base is the SQL of a field's text as it came, NULL when the record has
// no value: absent, JSON null, empty or spaces only (a text field also when
// the JSON value is not a string).
func base(f contract.Field, i int) string {
	t, s := fmt.Sprintf("_type%d", i+1), fmt.Sprintf("_text%d", i+1)
	switch f.Type.Base() {
	case contract.ID:
		return fmt.Sprintf("elt_id(%s, %s)", t, s)
	case contract.Text:
		return fmt.Sprintf("elt_text(%s, %s)", t, s)
	case contract.JSON:
		return fmt.Sprintf("CASE WHEN %s <> %d THEN %s END", t, read.KindNull, s)
	}
	return fmt.Sprintf("CASE WHEN NOT elt_blank(%s, %s) THEN %s END", t, s, s)
}

// text is the SQL of a field's text after normalize and default, from its
// base (_bN). A base is never blank, and normalize keeps it so (the
// contract's trim removes spaces only, lower and upper make none), so
// nothing tests for blank again (doing so cost a fifth of the rules' time).
func text(f contract.Field, i int) string {
	x := fmt.Sprintf(`"_b%d"`, i+1)
	for _, n := range f.Normalize {
		switch n {
		case "trim":
			x = fmt.Sprintf("elt_trim(%s)", x)
		case "lower":
			x = fmt.Sprintf("lower(%s)", x)
		case "upper":
			x = fmt.Sprintf("upper(%s)", x)
		}
	}
	if f.Default != nil {
		x = fmt.Sprintf("coalesce(%s, %s)", x, sqlname.Literal(*f.Default))
	}
	return x
}

// typeOf is the SQL of the JSON type a field's text came with, VARCHAR
// for a default.
func typeOf(f contract.Field, i int) string {
	if f.Default != nil {
		return fmt.Sprintf("CASE WHEN elt_blank(_type%d, _text%d) THEN %d ELSE _type%d END", i+1, i+1, read.KindString, i+1)
	}
	return fmt.Sprintf("_type%d", i+1)
}

// parse is the SQL of a field's typed value from its JSON type t and text
// s, NULL when the text is not a value of the type; a RawJSON field's value
// as JSON is json, when the record's kind has one (View's _jsonN).
func parse(src contract.Source, f contract.Field, t, s, json string) string {
	raw := s + "::JSON"
	if rawJSON(src, f) {
		raw = fmt.Sprintf("coalesce(%s, %s)", json, raw)
	}
	is := func(kinds ...uint8) string { return isKind(t, kinds...) }
	switch f.Type.Base() {
	case contract.Integer:
		return fmt.Sprintf("CASE WHEN %[1]s THEN try_cast(%[2]s AS BIGINT) "+
			"WHEN %[3]s AND regexp_full_match(elt_trim(%[2]s), '%[4]s') THEN try_cast(elt_trim(%[2]s) AS BIGINT) END", is(read.KindInteger, read.KindUnsigned), s, is(read.KindString), contract.IntegerPattern)
	case contract.Decimal:
		// The pattern also bounds the value: at most p-s digits before the
		// point once leading zeros are set aside means |value| < 10^(p-s).
		// (Casting to a wide DECIMAL to compare took 6 µs a value.)
		p, sc := f.Type.Decimal()
		re := f.Type.DecimalPattern()
		v := fmt.Sprintf("elt_trim(%s)", s)
		return fmt.Sprintf("CASE WHEN %[1]s AND regexp_full_match(%[2]s, '%[3]s') THEN try_cast(%[2]s AS DECIMAL(%[4]d, %[5]d)) END",
			is(read.KindString, read.KindInteger, read.KindUnsigned, read.KindDouble), v, re, p, sc)
	case contract.Boolean:
		return fmt.Sprintf("CASE WHEN %[1]s THEN %[2]s = 'true' WHEN %[3]s THEN CASE lower(elt_trim(%[2]s)) "+
			"WHEN 'true' THEN true WHEN 'false' THEN false END END", is(read.KindBoolean), s, is(read.KindString))
	case contract.Date:
		return fmt.Sprintf("CASE WHEN %[1]s AND regexp_full_match(%[2]s, '%[3]s') THEN try_cast(%[2]s AS DATE) END", is(read.KindString), s, contract.DatePattern)
	case contract.Timestamp:
		return fmt.Sprintf("elt_ts(%s, %s)", t, s)
	case contract.JSON:
		if src.Format == contract.NDJSON {
			return fmt.Sprintf("CASE WHEN %[1]s THEN to_json(%[2]s) ELSE %[3]s END", is(read.KindString), s, raw)
		}
		return fmt.Sprintf("CASE WHEN %[1]s THEN %[2]s::JSON WHEN coalesce(try(json_valid(%[2]s)), false) THEN %[2]s::JSON END", is(read.KindObject, read.KindArray), s)
	}
	return s
}

// valid is the SQL that is true when a field's typed value keeps its
// rules (pattern, values, max_length, min, max, check).
func valid(f contract.Field) string {
	v := sqlname.Ident(f.Name)
	conds := []string{v + " IS NOT NULL"}
	if f.Pattern != "" {
		conds = append(conds, fmt.Sprintf("regexp_full_match(CAST(%s AS VARCHAR), %s)", v, sqlname.Literal(f.Pattern)))
	}
	if len(f.Values) > 0 {
		vals := make([]string, len(f.Values))
		for i, x := range f.Values {
			vals[i] = sqlname.Literal(x)
		}
		conds = append(conds, fmt.Sprintf("CAST(%s AS VARCHAR) IN (%s)", v, strings.Join(vals, ", ")))
	}
	if f.MaxLength > 0 {
		conds = append(conds, fmt.Sprintf("strlen(CAST(%s AS VARCHAR)) <= %d", v, f.MaxLength))
	}
	if f.Min != nil {
		conds = append(conds, fmt.Sprintf("%s >= %s", v, strconv.FormatFloat(*f.Min, 'f', -1, 64)))
	}
	if f.Max != nil {
		conds = append(conds, fmt.Sprintf("%s <= %s", v, strconv.FormatFloat(*f.Max, 'f', -1, 64)))
	}
	if strings.TrimSpace(f.Check) != "" {
		conds = append(conds, fmt.Sprintf("coalesce((%s\n), true)", f.Check))
	}
	return "coalesce(" + strings.Join(conds, " AND ") + ", false)"
}

// Select applies the declared rules to elt_records: every record with
// its file, line, raw text (when elt_records has it), reason (NULL when
// good) and typed fields. The first broken rule names the reason: one found
// before the fields (encoding, JSON, CSV), then missing_ in field order,
// then invalid_ in invalid_order.
func Select(src contract.Source) string {
	var l0, l1, l2, missing, invalid, out []string
	for i, f := range src.Fields {
		l0 = append(l0, fmt.Sprintf("_type%d, _text%d, %s AS \"_b%d\"", i+1, i+1, base(f, i), i+1))
		l1 = append(l1, fmt.Sprintf("%s AS \"_t%d\", %s AS \"_s%d\"", typeOf(f, i), i+1, text(f, i), i+1))
		if rawJSON(src, f) { // its JSON as written, passed up to parse
			l0 = append(l0, fmt.Sprintf("_json%d AS \"_j%d\"", i+1, i+1))
			l1 = append(l1, fmt.Sprintf("\"_j%d\"", i+1))
		}
		l2 = append(l2, fmt.Sprintf("\"_s%d\" IS NOT NULL AS \"_p%d\", %s AS %s", i+1, i+1,
			parse(src, f, fmt.Sprintf(`"_t%d"`, i+1), fmt.Sprintf(`"_s%d"`, i+1), fmt.Sprintf(`"_j%d"`, i+1)), sqlname.Ident(f.Name)))
		if f.Required {
			missing = append(missing, fmt.Sprintf("WHEN NOT \"_p%d\" THEN %s", i+1, sqlname.Literal(f.MissingReason())))
		}
		value := sqlname.Ident(f.Name)
		if f.NullIfInvalid {
			value = fmt.Sprintf("CASE WHEN %s THEN %s END AS %s", valid(f), value, value)
		}
		out = append(out, value)
	}
	for _, f := range invalidOrder(src) {
		if f.NullIfInvalid {
			continue
		}
		i := fieldIndex(src, f.Name)
		invalid = append(invalid, fmt.Sprintf("WHEN \"_p%d\" AND NOT %s THEN %s", i+1, valid(f), sqlname.Literal(f.InvalidReason())))
	}
	reason := "_bad"
	if whens := append(missing, invalid...); len(whens) > 0 {
		reason = "coalesce(_bad, CASE " + strings.Join(whens, " ") + " END)"
	}
	// The columns every level passes on: a record's file, line and raw text,
	// and a message's key, partition and timestamp.
	pass := "_file, _line, _raw"
	if src.Kafka != nil {
		pass += ", _kafka_key, _kafka_partition, _kafka_timestamp"
	}
	return fmt.Sprintf(`SELECT %[1]s, _reason, %[2]s
FROM (
SELECT %[1]s, %[3]s AS _reason, %[4]s
FROM (
    SELECT %[1]s, _bad, %[5]s
    FROM (
        SELECT %[1]s, _bad, %[6]s
        FROM (
            SELECT %[1]s, _bad, %[7]s
            FROM elt_records
        )
    )
))`, pass, strings.Join(names(src), ", "), reason, strings.Join(out, ", "), strings.Join(l2, ", "), strings.Join(l1, ", "), strings.Join(l0, ", "))
}

// names are the fields' quoted names.
func names(src contract.Source) []string {
	out := make([]string, len(src.Fields))
	for i, f := range src.Fields {
		out[i] = sqlname.Ident(f.Name)
	}
	return out
}

// invalidOrder is the order of the fields' invalid_ checks.
func invalidOrder(src contract.Source) []contract.Field {
	var out []contract.Field
	listed := map[string]bool{}
	for _, name := range src.InvalidOrder {
		if f, ok := src.Field(name); ok {
			out = append(out, f)
			listed[name] = true
		}
	}
	for _, f := range src.Fields {
		if !listed[f.Name] {
			out = append(out, f)
		}
	}
	return out
}

func fieldIndex(src contract.Source, name string) int {
	for i, f := range src.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Insert applies the rules to elt_records in one pass: the good records
// go into table (the source's bronze table) with runID, the others to the reject collection
// (warehouse.CollectRejects) rejects.
func Insert(src contract.Source, table sqlname.Relation, runID, rejects int64) string {
	list := strings.Join(names(src), ", ")
	into, from := list+", _file, _line, _run_id", fmt.Sprintf("%s, _file, _line, %d", list, runID)
	if src.Kafka != nil {
		// A message's offset is its line.
		into += ", _kafka_key, _kafka_partition, _kafka_offset, _kafka_timestamp"
		from += ", _kafka_key, _kafka_partition, _line, _kafka_timestamp"
	}
	// A record's raw text is made here, for a rejected record only, from
	// its _raw: the row as a value DuckDB writes as JSON (a Parquet row's
	// struct, parquetView), or NULL when Go keeps the text (View).
	return fmt.Sprintf(`INSERT INTO %s (%s)
SELECT %s
FROM (%s)
WHERE CASE WHEN _reason IS NULL THEN true ELSE elt_reject(%d, _file, _line, _reason, to_json(_raw)::VARCHAR) END`,
		table, into, from, Select(src), rejects)
}

// isKind is the SQL that is true when the kind t is one of kinds.
func isKind(t string, kinds ...uint8) string {
	if len(kinds) == 1 {
		return fmt.Sprintf("%s = %d", t, kinds[0])
	}
	list := make([]string, len(kinds))
	for i, k := range kinds {
		list[i] = fmt.Sprint(k)
	}
	return fmt.Sprintf("%s IN (%s)", t, strings.Join(list, ", "))
}

// View is the SQL of elt_records, which Select reads, over the relation
// rel that reads a frame of a batch's records (read.Frame with marks, one
// per field; elt_frame(id) or an Arrow view, frame.ShareStreamOn) (files
// are the batch's paths, in order; extra are columns of the frame's extra
// columns, as SQL): each record's file, line, reason found before the
// field rules, and per field its JSON type (_typeN) and text (_textN), and
// a RawJSON field's JSON as written (_jsonN, NULL for kinds without).
// Objects and arrays are kept as written (as a CSV source's JSON text is);
// DuckDB reads the type and text of the numbers Go does not keep as
// written, so they are what its JSON functions make of them.
func View(rel string, files []string, marks []read.Mark, extra ...string) string {
	lits := make([]string, len(files))
	for i, f := range files {
		lits[i] = sqlname.Literal(f)
	}
	var reasons []string
	for code := 1; code < len(read.BadReasons); code++ {
		reasons = append(reasons, fmt.Sprintf("WHEN %d THEN %s", code, sqlname.Literal(read.BadReasons[code])))
	}
	cols := []string{fmt.Sprintf("[%s][_fi] AS _file", strings.Join(lits, ", ")), "_line", "NULL::JSON AS _raw",
		"CASE _bad " + strings.Join(reasons, " ") + " END AS _bad"}
	for n, mark := range marks {
		i := n + 1
		k := fmt.Sprintf("((_k%d >> %d) & 15)", (i-1)/read.KindsPerColumn, 4*((i-1)%read.KindsPerColumn))
		v := fmt.Sprintf("_v%d", i)
		// A RawJSON column is JSON to DuckDB on an Arrow stream: its text
		// is its cast to VARCHAR (free), its JSON its cast to JSON (free
		// there, a check on elt_frame's VARCHAR).
		cols = append(cols,
			fmt.Sprintf("CASE %[1]s WHEN %[2]d THEN CASE json_type(%[3]s) WHEN 'BIGINT' THEN %[4]d WHEN 'UBIGINT' THEN %[5]d ELSE %[6]d END "+
				"ELSE nullif(%[1]s, %[7]d) END AS _type%[8]d", k, read.KindNumber, v, read.KindInteger, read.KindUnsigned, read.KindDouble, read.KindAbsent, i),
			fmt.Sprintf("CASE WHEN %s = %d THEN json_extract_string(%s, '$') ELSE %s::VARCHAR END AS _text%d", k, read.KindNumber, v, v, i))
		if mark&read.RawJSON != 0 {
			// A mask, not IN: DuckDB turns an IN of five values into a join,
			// which a streamed statement cannot have (frame.Pipelined).
			mask := 0
			for _, kind := range read.RawKinds {
				mask |= 1 << kind
			}
			cols = append(cols, fmt.Sprintf("CASE WHEN (%d >> %s) & 1 = 1 THEN %s::JSON END AS _json%d", mask, k, v, i))
		}
	}
	cols = append(cols, extra...)
	return fmt.Sprintf("CREATE OR REPLACE TEMP VIEW elt_records AS SELECT %s FROM %s", strings.Join(cols, ", "), rel)
}
