package output

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"
)

// orderedMap reads a MAP value (warehouse.Plain gives one Keys and Values,
// in DuckDB's order) as its keys and values; ok is false for any other
// value.
func orderedMap(v any) (keys, values []any, ok bool) {
	type kv interface {
		Keys() []any
		Values() []any
	}
	if m, ok := v.(kv); ok {
		return m.Keys(), m.Values(), true
	}
	return nil, nil, false
}

// mapText writes a MAP as DuckDB does: {k1=v1, k2=NULL}.
func mapText(keys, values []any, typ string) string {
	kt, vt := mapTypes(typ)
	var b strings.Builder
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		ks, ok := Text(k, kt)
		if !ok {
			ks = "NULL"
		}
		vs, ok := Text(values[i], vt)
		if !ok {
			vs = "NULL"
		}
		b.WriteString(ks + "=" + vs)
	}
	b.WriteString("}")
	return b.String()
}

// object is a JSON object whose keys keep their order (a MAP's).
type object struct {
	keys   []string
	values []any
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{")
	for i, k := range o.keys {
		if i > 0 {
			b.WriteString(",")
		}
		kj, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vj, err := json.Marshal(o.values[i])
		if err != nil {
			return nil, err
		}
		b.Write(kj)
		b.WriteString(":")
		b.Write(vj)
	}
	b.WriteString("}")
	return b.Bytes(), nil
}

// mapJSON is a MAP as a JSON object: keys as text, values typed.
func mapJSON(keys, values []any, typ string) object {
	kt, vt := mapTypes(typ)
	o := object{}
	for i, k := range keys {
		ks, _ := Text(k, kt)
		o.keys = append(o.keys, ks)
		o.values = append(o.values, jsonValue(values[i], vt))
	}
	return o
}

// infinity is DuckDB's text of an infinite date or timestamp of type typ
// ("infinity" or "-infinity"), "" for a finite one. duckdb-go hands the
// infinities over as the times their stored values stand for: the
// largest and smallest day or tick count of the type.
func infinity(t time.Time, typ string) string {
	var pos, neg time.Time
	switch strings.ToUpper(typ) {
	case "DATE":
		// days ±(2^31-1) from 1970-01-01, as duckdb-go reads them
		pos, neg = time.Date(5881580, time.July, 11, 0, 0, 0, 0, time.UTC), time.Date(-5877641, time.June, 24, 0, 0, 0, 0, time.UTC)
	case "TIMESTAMP", "TIMESTAMP_US", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE":
		pos, neg = time.UnixMicro(math.MaxInt64).UTC(), time.UnixMicro(-math.MaxInt64).UTC()
	case "TIMESTAMP_MS":
		pos, neg = time.UnixMilli(math.MaxInt64).UTC(), time.UnixMilli(-math.MaxInt64).UTC()
	case "TIMESTAMP_S":
		pos, neg = time.Unix(math.MaxInt64, 0).UTC(), time.Unix(-math.MaxInt64, 0).UTC()
	case "TIMESTAMP_NS":
		pos, neg = time.Unix(0, math.MaxInt64).UTC(), time.Unix(0, -math.MaxInt64).UTC()
	default:
		return ""
	}
	switch {
	case t.Equal(pos):
		return "infinity"
	case t.Equal(neg):
		return "-infinity"
	}
	return ""
}

// splitTop splits a type's argument list at its top-level commas, outside
// parentheses and quoted names.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted // a doubled "" toggles twice
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// args is the argument list of a nested type NAME(...), "" when typ is
// not one.
func args(typ, name string) (string, bool) {
	if !strings.HasPrefix(strings.ToUpper(typ), name+"(") || !strings.HasSuffix(typ, ")") {
		return "", false
	}
	return typ[len(name)+1 : len(typ)-1], true
}

// elemType is the element type of a list or array type (T[] or T[n]),
// "" for other types.
func elemType(typ string) string {
	if !strings.HasSuffix(typ, "]") {
		return ""
	}
	i := len(typ) - 2
	for i >= 0 && typ[i] >= '0' && typ[i] <= '9' {
		i--
	}
	if i < 0 || typ[i] != '[' {
		return ""
	}
	return typ[:i]
}

// mapTypes are the key and value types of MAP(K, V), "" for other types.
func mapTypes(typ string) (key, value string) {
	in, ok := args(typ, "MAP")
	if !ok {
		return "", ""
	}
	if parts := splitTop(in); len(parts) == 2 {
		return parts[0], parts[1]
	}
	return "", ""
}

// field is one field of a STRUCT type: its name and type.
type field struct{ name, typ string }

// fieldList are the fields of STRUCT("a" T, b U) in their order.
func fieldList(typ string) []field {
	in, ok := args(typ, "STRUCT")
	if !ok {
		return nil
	}
	var out []field
	for _, f := range splitTop(in) {
		var name, rest string
		if strings.HasPrefix(f, `"`) {
			end := 1
			for end < len(f) {
				if f[end] == '"' {
					if end+1 < len(f) && f[end+1] == '"' {
						end += 2
						continue
					}
					break
				}
				end++
			}
			if end >= len(f) {
				continue
			}
			name, rest = strings.ReplaceAll(f[1:end], `""`, `"`), f[end+1:]
		} else {
			var ok bool
			if name, rest, ok = strings.Cut(f, " "); !ok {
				continue
			}
		}
		out = append(out, field{name, strings.TrimSpace(rest)})
	}
	return out
}

// fieldTypes are the fields' types of STRUCT("a" T, b U), by name.
func fieldTypes(typ string) map[string]string {
	fs := fieldList(typ)
	if fs == nil {
		return nil
	}
	out := map[string]string{}
	for _, f := range fs {
		out[f.name] = f.typ
	}
	return out
}

// structJSON is a STRUCT (duckdb-go hands it over as a Go map) as a JSON
// object whose members keep the order of the fields in typ, as DuckDB
// prints them, each value written by its field's type. A member typ does
// not name (typ unknown) follows, in name order.
func structJSON(rv reflect.Value, typ string) object {
	vals := map[string]any{}
	for _, k := range rv.MapKeys() {
		ks, _ := Text(k.Interface(), "")
		vals[ks] = rv.MapIndex(k).Interface()
	}
	o := object{}
	for _, f := range fieldList(typ) {
		name := f.name
		v, ok := vals[name]
		if !ok {
			for n, x := range vals {
				if strings.EqualFold(n, name) {
					name, v, ok = n, x, true
					break
				}
			}
		}
		if !ok {
			continue
		}
		delete(vals, name)
		o.keys = append(o.keys, name)
		o.values = append(o.values, jsonValue(v, f.typ))
	}
	rest := make([]string, 0, len(vals))
	for n := range vals {
		rest = append(rest, n)
	}
	sort.Strings(rest)
	for _, n := range rest {
		o.keys = append(o.keys, n)
		o.values = append(o.values, jsonValue(vals[n], ""))
	}
	return o
}
