// Package output renders query results for people and programs: an aligned
// table for a terminal, RFC 4180 CSV, a JSON array of objects, or Markdown;
// and an error as a person reads it on stderr (Error), where secrets are
// redacted (Redacting).
package output

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/digitalservices/elt/internal/diag"
)

// Formats are the names Write accepts.
var Formats = []string{"table", "csv", "json", "markdown"}

// Result is a fully read query result.
type Result struct {
	Columns []string
	Types   []string // DuckDB type names
	Rows    [][]any
	// Total is how many rows the query returned, when more than Rows
	// (ReadLimit); 0 otherwise.
	Total int64
}

// Read consumes rows, all of them, each made plain by plain (the
// warehouse's PlainRow: DuckDB's values as types this package reads
// without knowing the driver).
func Read(rows *sql.Rows, plain func(row []any)) (*Result, error) { return ReadLimit(rows, -1, plain) }

// Write renders r in format.
func Write(w io.Writer, format string, r *Result) error {
	switch format {
	case "table", "":
		return writeTable(w, r)
	case "csv":
		return writeCSV(w, r)
	case "json":
		return writeJSON(w, r)
	case "markdown", "md":
		return writeMarkdown(w, r)
	}
	return fmt.Errorf("unknown format %q: use one of %s", format, strings.Join(Formats, ", "))
}

// Text renders one value as text; ok is false for NULL.
func Text(v any, typ string) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case time.Time:
		return formatTime(x, typ), true
	case bool:
		return strconv.FormatBool(x), true
	case []byte:
		return bytesText(x, typ), true
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	case *big.Int:
		return x.String(), true
	}
	if d, ok := decimal(v); ok {
		return d, true
	}
	if iso, ok := interval(v); ok {
		return iso, true
	}
	if keys, values, ok := orderedMap(v); ok {
		return mapText(keys, values, typ), true
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String(), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Struct, reflect.Array:
		b, err := json.Marshal(jsonValue(v, typ))
		if err == nil {
			return string(b), true
		}
	}
	return fmt.Sprint(v), true
}

// bytesText writes a UUID (which duckdb-go hands over as its 16 bytes) as
// DuckDB does, 8-4-4-4-12 hex digits, and any other bytes (a BLOB) as
// \x and their hex digits.
func bytesText(b []byte, typ string) string {
	if len(b) == 16 && strings.EqualFold(typ, "UUID") {
		h := fmt.Sprintf("%x", b)
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	}
	return fmt.Sprintf("\\x%x", b)
}

// formatTime writes timestamps as YYYY-MM-DD HH:MM:SS[.ffffff] (UTC for
// TIMESTAMPTZ), dates as YYYY-MM-DD and times as HH:MM:SS[.ffffff]; an
// infinite date or timestamp as infinity or -infinity, as DuckDB does.
func formatTime(t time.Time, typ string) string {
	if inf := infinity(t, typ); inf != "" {
		return inf
	}
	switch {
	case typ == "DATE":
		return t.Format("2006-01-02")
	case strings.HasPrefix(typ, "TIME") && !strings.HasPrefix(typ, "TIMESTAMP"):
		return t.Format("15:04:05") + frac(t)
	}
	if strings.Contains(typ, "TZ") || strings.Contains(typ, "TIME ZONE") {
		return t.Format("2006-01-02 15:04:05") + frac(t) + t.Format("-07:00")
	}
	return t.Format("2006-01-02 15:04:05") + frac(t)
}

// interval renders a DuckDB INTERVAL (warehouse.Plain gives one
// IntervalParts: months, days, microseconds) as an ISO 8601 duration, such
// as P1Y2M3DT4H5M6.5S; ok is false for other values.
func interval(v any) (string, bool) {
	iv, ok := v.(interface {
		IntervalParts() (months, days int32, micros int64)
	})
	if !ok {
		return "", false
	}
	months32, days32, us := iv.IntervalParts()
	var b strings.Builder
	b.WriteString("P")
	part := func(n int64, unit string) {
		if n != 0 {
			fmt.Fprintf(&b, "%d%s", n, unit)
		}
	}
	m := int64(months32)
	part(m/12, "Y")
	part(m%12, "M")
	part(int64(days32), "D")
	if us != 0 {
		b.WriteString("T")
		part(us/3_600_000_000, "H")
		part(us%3_600_000_000/60_000_000, "M")
		if sec := us % 60_000_000; sec != 0 {
			f := strconv.FormatFloat(float64(sec)/1e6, 'f', -1, 64)
			b.WriteString(f + "S")
		}
	}
	if b.Len() == 1 {
		return "PT0S", true
	}
	return b.String(), true
}

func frac(t time.Time) string {
	if us := t.Nanosecond() / 1000; us != 0 {
		return fmt.Sprintf(".%06d", us)
	}
	return ""
}

// jsonValue converts a value of DuckDB type typ to something encoding/json
// writes natively: numbers stay numbers (decimals too), timestamps become
// strings, maps objects; the values inside lists, structs and maps are
// written by their own types, read off typ.
func jsonValue(v any, typ string) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil // JSON has no NaN or Infinity
		}
		return x
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil
		}
		return x
	case nil, bool, string, int, int8, int16, int32, int64, uint8, uint16, uint32, uint64:
		return x
	case time.Time:
		return formatTime(x, typ)
	case *big.Int:
		return json.Number(x.String())
	case []byte:
		return bytesText(x, typ)
	}
	if d, ok := decimal(v); ok {
		return json.Number(d)
	}
	if iso, ok := interval(v); ok {
		return iso
	}
	if keys, values, ok := orderedMap(v); ok {
		return mapJSON(keys, values, typ)
	}
	if typ == "JSON" {
		if s, ok := v.(string); ok {
			return json.RawMessage(s)
		}
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		et := elemType(typ)
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = jsonValue(rv.Index(i).Interface(), et)
		}
		return out
	case reflect.Map:
		return structJSON(rv, typ)
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return v
}

func writeCSV(w io.Writer, r *Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(r.Columns); err != nil {
		return err
	}
	rec := make([]string, len(r.Columns))
	for _, row := range r.Rows {
		for i, v := range row {
			rec[i], _ = Text(v, r.Types[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeJSON(w io.Writer, r *Result) error {
	var b strings.Builder
	b.WriteString("[")
	for ri, row := range r.Rows {
		if ri > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for i, v := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(r.Columns[i])
			val, err := json.Marshal(jsonValue(v, r.Types[i]))
			if err != nil {
				return err
			}
			b.Write(k)
			b.WriteString(": ")
			b.Write(val)
		}
		b.WriteString("}")
	}
	if len(r.Rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func cells(r *Result, null string) [][]string {
	out := make([][]string, len(r.Rows))
	for ri, row := range r.Rows {
		out[ri] = make([]string, len(row))
		for i, v := range row {
			s, ok := Text(v, r.Types[i])
			if !ok {
				s = null
			}
			out[ri][i] = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
		}
	}
	return out
}

// Numeric reports whether a DuckDB type is a number (a list of numbers is
// not).
func Numeric(typ string) bool {
	if strings.ContainsAny(typ, "[]") {
		return false
	}
	for _, p := range []string{"INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT", "UHUGEINT", "DOUBLE", "FLOAT", "REAL", "DECIMAL"} {
		if strings.HasPrefix(typ, p) {
			return true
		}
	}
	return false
}

func widths(r *Result, cs [][]string) []int {
	ws := make([]int, len(r.Columns))
	for i, c := range r.Columns {
		ws[i] = utf8.RuneCountInString(c)
	}
	for _, row := range cs {
		for i, c := range row {
			if n := utf8.RuneCountInString(c); n > ws[i] {
				ws[i] = n
			}
		}
	}
	return ws
}

func pad(s string, w int, right bool) string {
	n := w - utf8.RuneCountInString(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}

func writeTable(w io.Writer, r *Result) error {
	cs := cells(r, "NULL")
	var b strings.Builder
	writeBox(&b, r, cs, widths(r, cs))
	b.WriteString(rowsLine(r))
	_, err := io.WriteString(w, b.String())
	return err
}

// writeBox draws the rows cs of r in a box whose columns are ws wide.
func writeBox(b *strings.Builder, r *Result, cs [][]string, ws []int) {
	line := func(l, m, rr string) string {
		parts := make([]string, len(ws))
		for i, n := range ws {
			parts[i] = strings.Repeat("─", n+2)
		}
		return l + strings.Join(parts, m) + rr + "\n"
	}
	row := func(vals []string, header bool) string {
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = " " + pad(v, ws[i], !header && Numeric(r.Types[i])) + " "
		}
		return "│" + strings.Join(parts, "│") + "│\n"
	}
	b.WriteString(line("┌", "┬", "┐"))
	b.WriteString(row(r.Columns, true))
	b.WriteString(line("├", "┼", "┤"))
	for _, c := range cs {
		b.WriteString(row(c, false))
	}
	b.WriteString(line("└", "┴", "┘"))
}

// Plural is diag.Plural ("s" unless n is 1), for the words of what a
// command writes.
func Plural(n int) string { return diag.Plural(n) }

func writeMarkdown(w io.Writer, r *Result) error {
	cs := cells(r, "")
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	hdr := make([]string, len(r.Columns))
	sep := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		hdr[i] = esc(c)
		sep[i] = "---"
		if Numeric(r.Types[i]) {
			sep[i] = "---:"
		}
	}
	b.WriteString("| " + strings.Join(hdr, " | ") + " |\n")
	b.WriteString("| " + strings.Join(sep, " | ") + " |\n")
	for _, row := range cs {
		for i := range row {
			row[i] = esc(row[i])
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// DecimalText writes digits × 10^-scale exactly, with scale digits after
// the point: 1531.00, not 1531.
func DecimalText(digits *big.Int, scale int) string {
	s := new(big.Int).Abs(digits).String()
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if digits.Sign() < 0 {
		s = "-" + s
	}
	return s
}

// decimal renders a DECIMAL (warehouse.Plain gives one DecimalParts: its
// digits as an integer and its scale) with exactly its scale's digits:
// 1531.00, not 1531.
func decimal(v any) (string, bool) {
	dv, ok := v.(interface{ DecimalParts() (*big.Int, int) })
	if !ok {
		return "", false
	}
	n, scale := dv.DecimalParts()
	if n == nil {
		return "", false
	}
	return DecimalText(n, scale), true
}

// WritePlain writes r as aligned columns without a box, each line indented:
// compact enough for samples inside a report.
func WritePlain(w io.Writer, r *Result, indent string) error {
	cs := cells(r, "NULL")
	ws := widths(r, cs)
	var b strings.Builder
	line := func(vals []string, header bool) {
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = pad(v, ws[i], !header && Numeric(r.Types[i]))
		}
		b.WriteString(strings.TrimRight(indent+strings.Join(parts, "  "), " ") + "\n")
	}
	line(r.Columns, true)
	for _, c := range cs {
		line(c, false)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Count writes a count with thousands separators: 1,234,567.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
