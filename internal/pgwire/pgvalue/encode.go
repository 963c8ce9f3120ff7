package pgvalue

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/digitalservices/elt/internal/output"
)

// The values with methods a backend hands over for DuckDB's DECIMAL,
// INTERVAL and MAP.
type (
	decimalValue  interface{ DecimalParts() (*big.Int, int) }
	intervalValue interface {
		IntervalParts() (months, days int32, micros int64)
	}
	mapValue interface {
		Keys() []any
		Values() []any
	}
)

// Encode encodes v, of DuckDB type duck, as the PostgreSQL type it
// maps to, in text or binary format.
func Encode(m *pgtype.Map, duck string, format int16, v any) ([]byte, error) {
	t := TypeOf(duck)
	text := format == pgtype.TextFormatCode
	switch t.OID {
	case pgtype.TextOID, pgtype.JSONOID: // the binary format of both is their text
		return []byte(textOf(v, duck)), nil
	case pgtype.NumericOID:
		i, scale, ok := numericOf(v)
		if !ok {
			return nil, fmt.Errorf("%T is not a number", v)
		}
		if text {
			return []byte(output.DecimalText(i, scale)), nil
		}
		return m.Encode(t.OID, format, pgtype.Numeric{Int: i, Exp: int32(-scale), Valid: true}, []byte{})
	case pgtype.Float4OID, pgtype.Float8OID:
		f, ok := floatOf(v)
		if !ok {
			return nil, fmt.Errorf("%T is not a float", v)
		}
		if text {
			return []byte(floatText(f, t.OID == pgtype.Float4OID)), nil
		}
		if t.OID == pgtype.Float4OID {
			return m.Encode(t.OID, format, float32(f), []byte{})
		}
		return m.Encode(t.OID, format, f, []byte{})
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		i, scale, ok := numericOf(v)
		if !ok || scale != 0 || !i.IsInt64() {
			return nil, fmt.Errorf("%v is not a %s", v, duck)
		}
		return m.Encode(t.OID, format, i.Int64(), []byte{})
	case pgtype.IntervalOID:
		iv, ok := v.(intervalValue)
		if !ok {
			return nil, fmt.Errorf("%T is not an interval", v)
		}
		if text {
			return []byte(intervalText(iv)), nil
		}
		months, days, micros := iv.IntervalParts()
		return m.Encode(t.OID, format, pgtype.Interval{Months: months, Days: days, Microseconds: micros, Valid: true}, []byte{})
	case pgtype.UUIDOID:
		u := pgtype.UUID{Valid: true}
		if b, ok := v.([]byte); ok && len(b) == 16 {
			copy(u.Bytes[:], b)
		} else if err := u.Scan(fmt.Sprint(v)); err != nil {
			return nil, err
		}
		return m.Encode(t.OID, format, u, []byte{})
	}
	if tm, ok := v.(time.Time); ok {
		tm = tm.Truncate(time.Microsecond)
		switch t.OID {
		case pgtype.TimestamptzOID:
			if text {
				return []byte(tm.UTC().Format("2006-01-02 15:04:05.999999") + "+00"), nil
			}
		case pgtype.TimeOID:
			if text {
				return []byte(strings.TrimSuffix(strings.TrimRight(tm.Format("15:04:05.000000"), "0"), ".")), nil
			}
			return m.Encode(t.OID, format, pgtype.Time{Valid: true, Microseconds: int64(tm.Hour())*3600e6 +
				int64(tm.Minute())*60e6 + int64(tm.Second())*1e6 + int64(tm.Nanosecond()/1000)}, []byte{})
		}
		v = tm
	}
	if s, ok := v.(string); ok && t.OID == pgtype.ByteaOID {
		v = []byte(s)
	}
	return m.Encode(t.OID, format, v, []byte{})
}

// numericOf is an integer or decimal value's digits and scale.
func numericOf(v any) (*big.Int, int, bool) {
	switch x := v.(type) {
	case decimalValue:
		i, scale := x.DecimalParts()
		return i, scale, i != nil
	case *big.Int:
		return x, 0, x != nil
	case int8:
		return big.NewInt(int64(x)), 0, true
	case int16:
		return big.NewInt(int64(x)), 0, true
	case int32:
		return big.NewInt(int64(x)), 0, true
	case int64:
		return big.NewInt(x), 0, true
	case int:
		return big.NewInt(int64(x)), 0, true
	case uint8:
		return big.NewInt(int64(x)), 0, true
	case uint16:
		return big.NewInt(int64(x)), 0, true
	case uint32:
		return big.NewInt(int64(x)), 0, true
	case uint64:
		return new(big.Int).SetUint64(x), 0, true
	case uint:
		return new(big.Int).SetUint64(uint64(x)), 0, true
	}
	return nil, 0, false
}

func floatOf(v any) (float64, bool) {
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	if i, scale, ok := numericOf(v); ok {
		f, _ := new(big.Float).SetInt(i).Float64()
		return f / math.Pow10(scale), true
	}
	return 0, false
}

// floatText writes a float as PostgreSQL does (shortest exact form).
func floatText(f float64, single bool) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case single:
		return strconv.FormatFloat(f, 'g', -1, 32)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// intervalText writes an interval in PostgreSQL's style (IntervalStyle
// postgres): 1 year 2 mons 3 days 04:05:06.789.
func intervalText(iv intervalValue) string {
	months, days, micros := iv.IntervalParts()
	var parts []string
	unit := func(n int64, name string) {
		if n != 0 {
			s := strconv.FormatInt(n, 10) + " " + name
			if n != 1 {
				s += "s"
			}
			parts = append(parts, s)
		}
	}
	unit(int64(months/12), "year")
	unit(int64(months%12), "mon")
	unit(int64(days), "day")
	if micros != 0 || len(parts) == 0 {
		sign := ""
		if micros < 0 {
			sign, micros = "-", -micros
		}
		s := fmt.Sprintf("%s%02d:%02d:%02d", sign, micros/3600e6, micros/60e6%60, micros/1e6%60)
		if frac := micros % 1e6; frac != 0 {
			s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// textOf writes a value of a type sent as text or JSON.
func textOf(v any, duck string) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case []any, map[string]any, mapValue, map[any]any:
		return string(appendJSON(nil, v, duck))
	case time.Time:
		if strings.EqualFold(duck, "TIMETZ") || strings.EqualFold(duck, "TIME WITH TIME ZONE") {
			return x.Format("15:04:05.999999-07")
		}
		return x.Format("2006-01-02 15:04:05.999999-07")
	case decimalValue:
		i, scale := x.DecimalParts()
		return output.DecimalText(i, scale)
	case intervalValue:
		return intervalText(x)
	}
	return fmt.Sprint(v)
}

// appendJSON writes v, of DuckDB type duck, as JSON: lists as arrays,
// structs as objects in the type's field order, maps as objects when
// their keys are text and as arrays of {"key", "value"} otherwise.
func appendJSON(b []byte, v any, duck string) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case float32, float64:
		f, _ := floatOf(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.AppendQuote(b, floatText(f, false))
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case string:
		if strings.EqualFold(duck, "JSON") && json.Valid([]byte(x)) {
			return append(b, x...)
		}
		q, _ := json.Marshal(x)
		return append(b, q...)
	case []byte:
		return strconv.AppendQuote(b, `\x`+hex.EncodeToString(x))
	case time.Time:
		layout := "2006-01-02T15:04:05.999999"
		switch t := TypeOf(duck).OID; {
		case t == pgtype.DateOID:
			layout = "2006-01-02"
		case t == pgtype.TimeOID:
			layout = "15:04:05.999999"
		case t == pgtype.TimestamptzOID:
			layout = "2006-01-02T15:04:05.999999Z07:00"
		}
		return strconv.AppendQuote(b, x.Format(layout))
	case intervalValue:
		return strconv.AppendQuote(b, intervalText(x))
	case []any:
		elem := elemType(duck)
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e, elem)
		}
		return append(b, ']')
	case map[string]any:
		names, types := structFields(duck)
		if len(names) != len(x) {
			names, types = nil, nil
			for k := range x {
				names = append(names, k)
			}
			sort.Strings(names)
		}
		b = append(b, '{')
		for i, name := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, name, "VARCHAR")
			b = append(b, ':')
			b = appendJSON(b, x[name], at(types, i))
		}
		return append(b, '}')
	case mapValue:
		return appendMap(b, x.Keys(), x.Values(), duck)
	case map[any]any:
		keys := make([]any, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		values := make([]any, len(keys))
		for i, k := range keys {
			values[i] = x[k]
		}
		return appendMap(b, keys, values, duck)
	}
	if _, _, ok := numericOf(v); ok {
		return append(b, textOf(v, duck)...)
	}
	return appendJSON(b, fmt.Sprint(v), "VARCHAR")
}

func appendMap(b []byte, keys, values []any, duck string) []byte {
	kt, vt := mapTypes(duck)
	textKeys := kt != "" && TypeOf(kt).OID == pgtype.TextOID && !TypeOf(kt).Nested
	if kt == "" {
		textKeys = true
		for _, k := range keys {
			if _, ok := k.(string); !ok {
				textKeys = false
			}
		}
	}
	open, end := byte('['), byte(']')
	if textKeys {
		open, end = '{', '}'
	}
	b = append(b, open)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		if textKeys {
			b = appendJSON(b, textOf(k, kt), "VARCHAR")
			b = append(b, ':')
			b = appendJSON(b, values[i], vt)
			continue
		}
		b = append(b, `{"key":`...)
		b = appendJSON(b, k, kt)
		b = append(b, `,"value":`...)
		b = appendJSON(b, values[i], vt)
		b = append(b, '}')
	}
	return append(b, end)
}

// elemType is a list's element type: INTEGER for INTEGER[] or INTEGER[3].
func elemType(duck string) string {
	if i := strings.LastIndexByte(duck, '['); i > 0 && strings.HasSuffix(duck, "]") {
		return duck[:i]
	}
	return ""
}

// structFields reads STRUCT(a INTEGER, "b c" VARCHAR[]): the fields' names
// and types.
func structFields(duck string) (names, types []string) {
	if !strings.HasPrefix(strings.ToUpper(duck), "STRUCT(") || !strings.HasSuffix(duck, ")") {
		return nil, nil
	}
	for _, f := range SplitTop(duck[len("STRUCT(") : len(duck)-1]) {
		name, typ := f, ""
		if strings.HasPrefix(f, `"`) {
			end := 1
			for end < len(f) && (f[end] != '"' || (end+1 < len(f) && f[end+1] == '"')) {
				if f[end] == '"' {
					end++
				}
				end++
			}
			name, typ = strings.ReplaceAll(f[1:min(end, len(f))], `""`, `"`), strings.TrimSpace(f[min(end+1, len(f)):])
		} else if i := strings.IndexByte(f, ' '); i > 0 {
			name, typ = f[:i], strings.TrimSpace(f[i+1:])
		}
		names, types = append(names, name), append(types, typ)
	}
	return names, types
}

// mapTypes reads MAP(K, V): the key's and the value's types.
func mapTypes(duck string) (key, value string) {
	if !strings.HasPrefix(strings.ToUpper(duck), "MAP(") || !strings.HasSuffix(duck, ")") {
		return "", ""
	}
	if parts := SplitTop(duck[len("MAP(") : len(duck)-1]); len(parts) == 2 {
		return parts[0], parts[1]
	}
	return "", ""
}

// SplitTop splits at the commas outside parentheses and quotes (a
// doubled quote inside quotes closes and reopens them, which splits the
// same).
func SplitTop(s string) []string {
	var parts []string
	depth, quote, start := 0, byte(0), 0
	for i := 0; i < len(s); i++ {
		switch {
		case quote != 0:
			if s[i] == quote {
				quote = 0
			}
		case s[i] == '"' || s[i] == '\'':
			quote = s[i]
		case s[i] == '(':
			depth++
		case s[i] == ')':
			depth--
		case s[i] == ',' && depth == 0:
			parts = append(parts, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}
