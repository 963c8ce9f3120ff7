package pgvalue

import (
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

type dec struct {
	i     int64
	scale int
}

func (d dec) DecimalParts() (*big.Int, int) { return big.NewInt(d.i), d.scale }

type iv struct {
	months, days int32
	micros       int64
}

func (v iv) IntervalParts() (int32, int32, int64) { return v.months, v.days, v.micros }

type omap struct{ keys, values []any }

func (m omap) Keys() []any   { return m.keys }
func (m omap) Values() []any { return m.values }

func TestTypeOf(t *testing.T) {
	for duck, want := range map[string]Type{
		"DECIMAL(18,2)":               {pgtype.NumericOID, -1, 18<<16 | 2 + 4, false},
		"decimal(38,10)":              {pgtype.NumericOID, -1, 38<<16 | 10 + 4, false},
		"TIMESTAMP WITH TIME ZONE":    {pgtype.TimestamptzOID, 8, -1, false},
		"TIMESTAMPTZ":                 {pgtype.TimestamptzOID, 8, -1, false},
		"UBIGINT":                     {pgtype.NumericOID, -1, -1, false},
		"ENUM('a', 'b')":              {pgtype.TextOID, -1, -1, false},
		`STRUCT("a" INTEGER)[]`:       {pgtype.JSONOID, -1, -1, true},
		"MAP(VARCHAR, INTEGER)":       {pgtype.JSONOID, -1, -1, true},
		"UNION(n INTEGER, s VARCHAR)": {pgtype.JSONOID, -1, -1, true},
		"INTEGER[3]":                  {pgtype.JSONOID, -1, -1, true},
		"GEOMETRY":                    {pgtype.TextOID, -1, -1, false},
		"TIMESTAMP_NS":                {pgtype.TimestampOID, 8, -1, false},
		"USMALLINT":                   {pgtype.Int4OID, 4, -1, false},
	} {
		if got := TypeOf(duck); got != want {
			t.Errorf("TypeOf(%q) = %+v, want %+v", duck, got, want)
		}
	}
	for duck, want := range map[string]uint32{"UNKNOWN": 0, "INTEGER[]": 0, "DATE": pgtype.DateOID, "VARCHAR": pgtype.TextOID} {
		if got := ParamOID(duck); got != want {
			t.Errorf("ParamOID(%q) = %d, want %d", duck, got, want)
		}
	}
}

// TestText checks the text of values PostgreSQL clients parse: numbers
// exact, intervals and nested values as JSON in the type's order.
func TestText(t *testing.T) {
	m := pgtype.NewMap()
	ts := time.Date(2024, 1, 2, 3, 4, 5, 600000000, time.UTC)
	for _, tc := range []struct {
		duck string
		v    any
		want string
	}{
		{"DECIMAL(18,2)", dec{-5, 2}, "-0.05"},
		{"DECIMAL(18,0)", dec{120, 0}, "120"},
		{"HUGEINT", new(big.Int).Lsh(big.NewInt(1), 100), "1267650600228229401496703205376"},
		{"UBIGINT", uint64(18446744073709551615), "18446744073709551615"},
		{"INTERVAL", iv{25, -1, -3723000001}, "2 years 1 mon -1 days -01:02:03.000001"},
		{"INTERVAL", iv{0, 0, 0}, "00:00:00"},
		{"DOUBLE", 1e21, "1e+21"},
		{"FLOAT", float32(0.1), "0.1"},
		{"TIMESTAMPTZ", ts, "2024-01-02 03:04:05.6+00"},
		{"TIME", ts, "03:04:05.6"},
		{"BLOB", "ab", `\x6162`},
		{`STRUCT("z" INTEGER, "a b" DATE, """q""" TIMESTAMP)`, map[string]any{"z": int32(1), "a b": ts, `"q"`: ts},
			`{"z":1,"a b":"2024-01-02","\"q\"":"2024-01-02T03:04:05.6"}`},
		{"MAP(INTEGER, VARCHAR[])", omap{[]any{int32(2), int32(1)}, []any{[]any{"x"}, nil}},
			`[{"key":2,"value":["x"]},{"key":1,"value":null}]`},
		{"MAP(VARCHAR, DECIMAL(4,1))", omap{[]any{"b", "a"}, []any{dec{15, 1}, dec{-1, 1}}}, `{"b":1.5,"a":-0.1}`},
		{"STRUCT(j JSON, f DOUBLE, i INTERVAL)", map[string]any{"j": `{"k":[1]}`, "f": 2.5, "i": iv{0, 1, 0}}, `{"j":{"k":[1]},"f":2.5,"i":"1 day"}`},
		{"VARCHAR", "plain", "plain"},
	} {
		got, err := Encode(m, tc.duck, pgtype.TextFormatCode, tc.v)
		if err != nil || string(got) != tc.want {
			t.Errorf("Encode(%s, %#v) = %q, %v; want %q", tc.duck, tc.v, got, err, tc.want)
		}
	}
}

// TestDecode checks parameters decoded from text and binary.
func TestDecode(t *testing.T) {
	m := pgtype.NewMap()
	bin := func(oid uint32, v any) []byte {
		b, err := m.Encode(oid, pgtype.BinaryFormatCode, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var u pgtype.UUID
	if err := u.Scan("6f0d3f8e-2a4b-4c1d-9e8f-0a1b2c3d4e5f"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		oid    uint32
		format int16
		src    []byte
		want   any
	}{
		{pgtype.Int4OID, 0, []byte("42"), int64(42)},
		{pgtype.Int2OID, 1, bin(pgtype.Int2OID, int16(-3)), int64(-3)},
		{pgtype.Float8OID, 1, bin(pgtype.Float8OID, 1.5), 1.5},
		{pgtype.BoolOID, 0, []byte("t"), true},
		{pgtype.TimestamptzOID, 1, bin(pgtype.TimestamptzOID, ts), ts},
		{pgtype.DateOID, 0, []byte("2024-01-02"), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		{pgtype.NumericOID, 1, bin(pgtype.NumericOID, pgtype.Numeric{Int: big.NewInt(-12345), Exp: -3, Valid: true}), "-12.345"},
		{pgtype.NumericOID, 1, bin(pgtype.NumericOID, pgtype.Numeric{Int: big.NewInt(12), Exp: 2, Valid: true}), "1200"},
		{pgtype.NumericOID, 0, []byte("1.50"), "1.50"},
		{pgtype.UUIDOID, 1, bin(pgtype.UUIDOID, u), "6f0d3f8e-2a4b-4c1d-9e8f-0a1b2c3d4e5f"},
		{pgtype.ByteaOID, 1, []byte{0, 1}, []byte{0, 1}},
		{pgtype.JSONBOID, 1, append([]byte{1}, `{"a":1}`...), `{"a":1}`},
		{0, 0, []byte("anything"), "anything"},
		{pgtype.TextOID, 0, nil, nil},
	} {
		got, err := Decode(m, tc.oid, tc.format, tc.src)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Decode(%d, %d, %q) = %#v, %v; want %#v", tc.oid, tc.format, tc.src, got, err, tc.want)
		}
	}
	if _, err := Decode(m, pgtype.PointOID, 1, []byte{1}); err == nil {
		t.Error("a binary point is decoded without error")
	}
}

func TestSplitTop(t *testing.T) {
	got := SplitTop(`a INTEGER, "b, c" STRUCT(x INTEGER, y VARCHAR), 'ISO, DMY'`)
	want := []string{"a INTEGER", `"b, c" STRUCT(x INTEGER, y VARCHAR)`, "'ISO, DMY'"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SplitTop = %q, want %q", got, want)
	}
}
