// Package pgvalue is DuckDB's types and values as PostgreSQL's, for
// package pgwire: the PostgreSQL type (OID, size, typmod) each DuckDB type
// name is sent as, values encoded in text and binary (through pgx's
// pgtype, numbers exact), nested values written as JSON, and parameters
// decoded into the Go values database/sql drivers take.
package pgvalue

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/digitalservices/elt/internal/output"
)

// Column is a result column: its name and DuckDB's name of its type
// (INTEGER, DECIMAL(18,2), TIMESTAMPTZ, INTEGER[], STRUCT(a INTEGER) ...).
type Column struct{ Name, Type string }

// Type is the PostgreSQL type a DuckDB type is sent as.
type Type struct {
	OID    uint32
	Size   int16 // the type's size in bytes, -1 when it varies
	Mod    int32 // the type modifier, -1 when none (numeric: ((precision << 16) | scale) + 4)
	Nested bool  // a LIST, ARRAY, STRUCT, MAP or UNION, written as JSON
}

var Types = map[string]Type{
	"BOOLEAN": {pgtype.BoolOID, 1, -1, false}, "BOOL": {pgtype.BoolOID, 1, -1, false},
	"TINYINT": {pgtype.Int2OID, 2, -1, false}, "SMALLINT": {pgtype.Int2OID, 2, -1, false}, "UTINYINT": {pgtype.Int2OID, 2, -1, false},
	"INTEGER": {pgtype.Int4OID, 4, -1, false}, "INT": {pgtype.Int4OID, 4, -1, false}, "USMALLINT": {pgtype.Int4OID, 4, -1, false},
	"BIGINT": {pgtype.Int8OID, 8, -1, false}, "UINTEGER": {pgtype.Int8OID, 8, -1, false},
	"UBIGINT": {pgtype.NumericOID, -1, -1, false}, "HUGEINT": {pgtype.NumericOID, -1, -1, false},
	"UHUGEINT": {pgtype.NumericOID, -1, -1, false}, "BIGNUM": {pgtype.NumericOID, -1, -1, false},
	"DECIMAL": {pgtype.NumericOID, -1, -1, false}, "NUMERIC": {pgtype.NumericOID, -1, -1, false},
	"FLOAT": {pgtype.Float4OID, 4, -1, false}, "REAL": {pgtype.Float4OID, 4, -1, false}, "DOUBLE": {pgtype.Float8OID, 8, -1, false},
	"VARCHAR": {pgtype.TextOID, -1, -1, false}, "ENUM": {pgtype.TextOID, -1, -1, false}, "BLOB": {pgtype.ByteaOID, -1, -1, false},
	"DATE": {pgtype.DateOID, 4, -1, false}, "TIME": {pgtype.TimeOID, 8, -1, false},
	"TIMESTAMP": {pgtype.TimestampOID, 8, -1, false}, "TIMESTAMP_S": {pgtype.TimestampOID, 8, -1, false},
	"TIMESTAMP_MS": {pgtype.TimestampOID, 8, -1, false}, "TIMESTAMP_NS": {pgtype.TimestampOID, 8, -1, false},
	"TIMESTAMPTZ": {pgtype.TimestamptzOID, 8, -1, false}, "TIMESTAMP WITH TIME ZONE": {pgtype.TimestamptzOID, 8, -1, false},
	"INTERVAL": {pgtype.IntervalOID, 16, -1, false}, "UUID": {pgtype.UUIDOID, 16, -1, false}, "JSON": {pgtype.JSONOID, -1, -1, false},
}

// TypeOf maps a DuckDB type name to the PostgreSQL type it is sent as:
// text for a type PostgreSQL has no match for.
func TypeOf(duck string) Type {
	t := strings.ToUpper(strings.TrimSpace(duck))
	if strings.HasSuffix(t, "]") || strings.HasPrefix(t, "STRUCT(") || strings.HasPrefix(t, "MAP(") || strings.HasPrefix(t, "UNION(") {
		return Type{pgtype.JSONOID, -1, -1, true}
	}
	if strings.HasPrefix(t, "DECIMAL(") || strings.HasPrefix(t, "NUMERIC(") {
		var p, s int32
		if _, err := fmt.Sscanf(t[strings.IndexByte(t, '(')+1:], "%d,%d)", &p, &s); err == nil {
			return Type{pgtype.NumericOID, -1, (p<<16 | s) + 4, false}
		}
		return Type{pgtype.NumericOID, -1, -1, false}
	}
	if strings.HasPrefix(t, "ENUM(") {
		return Type{pgtype.TextOID, -1, -1, false}
	}
	if pt, ok := Types[t]; ok {
		return pt
	}
	return Type{pgtype.TextOID, -1, -1, false}
}

// ParamOID is the type a parameter is described as: 0 (unknown, sent as
// text and cast by DuckDB) where DuckDB cannot tell or for a nested type.
func ParamOID(duck string) uint32 {
	if t := TypeOf(duck); !t.Nested && !strings.EqualFold(duck, "UNKNOWN") {
		return t.OID
	}
	return 0
}

// Decode turns a Bind parameter of type oid into the value a database/sql
// driver is given:
// int64, float64, bool, string, time.Time, []byte or nil; a numeric as its
// text.
func Decode(m *pgtype.Map, oid uint32, format int16, src []byte) (any, error) {
	if src == nil {
		return nil, nil
	}
	var err error
	switch oid {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		var v int64
		if format == pgtype.TextFormatCode {
			v, err = strconv.ParseInt(strings.TrimSpace(string(src)), 10, 64)
		} else {
			err = m.Scan(oid, format, src, &v)
		}
		return v, err
	case pgtype.Float4OID, pgtype.Float8OID:
		var v float64
		err = m.Scan(oid, format, src, &v)
		return v, err
	case pgtype.BoolOID:
		var v bool
		err = m.Scan(oid, format, src, &v)
		return v, err
	case pgtype.DateOID, pgtype.TimestampOID, pgtype.TimestamptzOID:
		var v time.Time
		if err = m.Scan(oid, format, src, &v); err != nil && format == pgtype.TextFormatCode {
			return string(src), nil // DuckDB casts what pgtype does not read ("...Z" for a timestamp)
		}
		return v.UTC(), err
	case pgtype.ByteaOID:
		var v []byte
		err = m.Scan(oid, format, src, &v)
		return append([]byte{}, v...), err
	}
	if format == pgtype.TextFormatCode {
		return string(src), nil
	}
	switch oid {
	case pgtype.NumericOID:
		var n pgtype.Numeric
		if err = m.Scan(oid, format, src, &n); err != nil || !n.Valid {
			return nil, err
		}
		if n.NaN || n.InfinityModifier != pgtype.Finite {
			return nil, fmt.Errorf("a numeric parameter that is NaN or infinite is not supported")
		}
		if n.Exp >= 0 {
			return new(big.Int).Mul(n.Int, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.Exp)), nil)).String(), nil
		}
		return output.DecimalText(n.Int, int(-n.Exp)), nil
	case pgtype.UUIDOID, pgtype.TimeOID, pgtype.IntervalOID:
		var v any
		switch oid {
		case pgtype.UUIDOID:
			v = &pgtype.UUID{}
		case pgtype.TimeOID:
			v = &pgtype.Time{}
		default:
			v = &pgtype.Interval{}
		}
		if err = m.Scan(oid, format, src, v); err != nil {
			return nil, err
		}
		buf, err := m.Encode(oid, pgtype.TextFormatCode, v, []byte{})
		return string(buf), err
	case pgtype.JSONBOID:
		if len(src) > 0 && src[0] == 1 {
			return string(src[1:]), nil
		}
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.JSONOID, pgtype.BPCharOID, pgtype.NameOID, 0:
		return string(src), nil
	}
	return nil, fmt.Errorf("a parameter of type OID %d in binary format is not supported: send it as text", oid)
}

// RowDescription describes cols in the formats given (Bind's result
// format codes).
func RowDescription(cols []Column, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		t := TypeOf(col.Type)
		fields[i] = pgproto3.FieldDescription{Name: []byte(col.Name), DataTypeOID: t.OID, DataTypeSize: t.Size,
			TypeModifier: t.Mod, Format: Format(formats, i)}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// Format is the format of the i-th value by a message's format codes:
// none for all text, one for all, or one each.
func Format(formats []int16, i int) int16 {
	switch {
	case len(formats) == 1:
		return formats[0]
	case i < len(formats):
		return formats[i]
	}
	return pgtype.TextFormatCode
}

// EncodeRow encodes a row's values for a DataRow.
func EncodeRow(m *pgtype.Map, cols []Column, formats []int16, row []any) ([][]byte, error) {
	out := make([][]byte, len(row))
	for i, v := range row {
		if v == nil {
			continue
		}
		b, err := Encode(m, cols[i].Type, Format(formats, i), v)
		if err != nil {
			return nil, fmt.Errorf("column %q (%s): %w", cols[i].Name, cols[i].Type, err)
		}
		out[i] = b
	}
	return out, nil
}
