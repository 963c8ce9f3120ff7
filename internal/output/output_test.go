package output

import (
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
)

// decimalValue is a DECIMAL as warehouse.Plain hands one over.
type decimalValue struct {
	Width uint8
	Scale uint8
	Value *big.Int
}

func (d decimalValue) DecimalParts() (*big.Int, int) { return d.Value, int(d.Scale) }

// intervalValue is an INTERVAL as warehouse.Plain hands one over.
type intervalValue struct {
	Days   int32
	Months int32
	Micros int64
}

func (i intervalValue) IntervalParts() (months, days int32, micros int64) {
	return i.Months, i.Days, i.Micros
}

// TestText renders each kind of value as the table and CSV formats show it.
func TestText(t *testing.T) {
	ts := time.Date(2026, 11, 2, 18, 45, 39, 54490000, time.UTC)
	for _, tc := range []struct {
		v    any
		typ  string
		want string
		ok   bool
	}{
		{nil, "VARCHAR", "", false},
		{"a,b", "VARCHAR", "a,b", true},
		{true, "BOOLEAN", "true", true},
		{int64(-7), "BIGINT", "-7", true},
		{1.5, "DOUBLE", "1.5", true},
		{math.NaN(), "DOUBLE", "NaN", true},
		{math.Inf(-1), "DOUBLE", "-Inf", true},
		{float32(0.25), "FLOAT", "0.25", true},
		{big.NewInt(170141183), "HUGEINT", "170141183", true},
		{[]byte{0xde, 0xad}, "BLOB", `\xdead`, true},
		{ts, "TIMESTAMP", "2026-11-02 18:45:39.054490", true},
		{ts.Truncate(time.Second), "TIMESTAMP", "2026-11-02 18:45:39", true},
		{ts, "TIMESTAMPTZ", "2026-11-02 18:45:39.054490+00:00", true},
		{ts.In(time.FixedZone("x", 2*3600)), "TIMESTAMP WITH TIME ZONE", "2026-11-02 20:45:39.054490+02:00", true},
		{ts, "DATE", "2026-11-02", true},
		{ts, "TIME", "18:45:39.054490", true},
		{decimalValue{10, 2, big.NewInt(153100)}, "DECIMAL(10,2)", "1531.00", true},
		{decimalValue{10, 2, big.NewInt(-50)}, "DECIMAL(10,2)", "-0.50", true},
		{decimalValue{10, 3, big.NewInt(5)}, "DECIMAL(10,3)", "0.005", true},
		{intervalValue{Days: 3, Micros: 5_401_500_000}, "INTERVAL", "P3DT1H30M1.5S", true},
		{intervalValue{Months: 14}, "INTERVAL", "P1Y2M", true},
		{intervalValue{Days: -1}, "INTERVAL", "P-1D", true},
		{intervalValue{}, "INTERVAL", "PT0S", true},
		{[]any{int32(1), nil}, "INTEGER[]", "[1,null]", true},
		{map[string]any{"k": "v"}, "STRUCT(k VARCHAR)", `{"k":"v"}`, true},
	} {
		got, ok := Text(tc.v, tc.typ)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Text(%#v, %s) = %q, %v; want %q, %v", tc.v, tc.typ, got, ok, tc.want, tc.ok)
		}
	}
}

// TestWrite renders one result in every format.
func TestWrite(t *testing.T) {
	r := &Result{
		Columns: []string{"n", "s", "x"},
		Types:   []string{"INTEGER", "VARCHAR", "DOUBLE"},
		Rows:    [][]any{{int32(1), `a|"b"`, math.NaN()}, {int32(22), nil, 0.5}},
	}
	for format, want := range map[string]string{
		"csv":      "n,s,x\n1,\"a|\"\"b\"\"\",NaN\n22,,0.5\n",
		"json":     "[\n  {\"n\": 1, \"s\": \"a|\\\"b\\\"\", \"x\": null},\n  {\"n\": 22, \"s\": null, \"x\": 0.5}\n]\n",
		"markdown": "| n | s | x |\n| ---: | --- | ---: |\n| 1 | a\\|\"b\" | NaN |\n| 22 |  | 0.5 |\n",
		"table":    "┌────┬───────┬─────┐\n│ n  │ s     │ x   │\n├────┼───────┼─────┤\n│  1 │ a|\"b\" │ NaN │\n│ 22 │ NULL  │ 0.5 │\n└────┴───────┴─────┘\n2 rows\n",
	} {
		var b strings.Builder
		if err := Write(&b, format, r); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if b.String() != want {
			t.Errorf("%s:\ngot  %q\nwant %q", format, b.String(), want)
		}
	}
	if err := Write(&strings.Builder{}, "xml", r); err == nil {
		t.Error("xml: want an error")
	}
}
