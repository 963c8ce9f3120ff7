package warehouse

import (
	"math/big"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Plain is a value as duckdb-go hands it over (scanned into an any), with
// duckdb-go's own types replaced by values that say what they hold through
// methods, so that a package rendering values (output) needs neither
// duckdb-go nor reflection on its types:
//
//   - a DECIMAL has DecimalParts() (its digits as an integer, its scale);
//   - an INTERVAL has IntervalParts() (months, days, microseconds);
//   - a MAP has Keys() and Values(), in DuckDB's order;
//   - a UUID is its text.
//
// Lists, structs and maps are rebuilt with their members made plain in the
// same way; every other value is returned as it is.
func Plain(v any) any {
	switch x := v.(type) {
	case duckdb.Decimal:
		return decimal{value: x.Value, scale: int(x.Scale)}
	case duckdb.Interval:
		return interval{months: x.Months, days: x.Days, micros: x.Micros}
	case duckdb.UUID:
		return x.String()
	case duckdb.OrderedMap:
		m := orderedMap{keys: append([]any(nil), x.Keys()...), values: append([]any(nil), x.Values()...)}
		for i := range m.keys {
			m.keys[i] = Plain(m.keys[i])
		}
		for i := range m.values {
			m.values[i] = Plain(m.values[i])
		}
		return m
	case duckdb.Map:
		out := make(map[any]any, len(x))
		for k, e := range x {
			out[Plain(k)] = Plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Plain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Plain(e)
		}
		return out
	}
	return v
}

// PlainRow makes each value of a scanned row plain (Plain), in place.
func PlainRow(row []any) {
	for i, v := range row {
		row[i] = Plain(v)
	}
}

type decimal struct {
	value *big.Int
	scale int
}

// DecimalParts are the digits as an integer and the scale.
func (d decimal) DecimalParts() (*big.Int, int) { return d.value, d.scale }

type interval struct {
	months, days int32
	micros       int64
}

// IntervalParts are the months, days and microseconds.
func (i interval) IntervalParts() (months, days int32, micros int64) {
	return i.months, i.days, i.micros
}

type orderedMap struct{ keys, values []any }

// Keys are the map's keys, in DuckDB's order.
func (m orderedMap) Keys() []any { return m.keys }

// Values are the map's values, in the order of Keys.
func (m orderedMap) Values() []any { return m.values }
