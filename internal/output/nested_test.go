package output

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

// TestValuesFromDuckDB renders values as DuckDB hands them over, in the
// table, CSV and JSON formats: a MAP as DuckDB prints one ({k=1}; before,
// duckdb-go's OrderedMap{k: 1}) and as a JSON object in its order; an
// infinite date or timestamp as infinity or -infinity (before, the date it
// is stored as, 5881580-07-11); and a value inside a list, struct or map
// by its own type, so a TIMESTAMPTZ keeps its offset there as at the top
// level (before, it lost it) and a DATE is a date.
func TestValuesFromDuckDB(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		expr string
		text string // the table's and the CSV's cell
		json string // the JSON value
	}{
		{`MAP {'k': 1}`, `{k=1}`, `{"k":1}`},
		{`MAP {'k': 1, 'j': NULL}`, `{k=1, j=NULL}`, `{"k":1,"j":null}`},
		{`MAP {2: 'b', 1: 'a'}`, `{2=b, 1=a}`, `{"2":"b","1":"a"}`},
		{`MAP {}::MAP(VARCHAR, INTEGER)`, `{}`, `{}`},
		{`MAP {'a': {'x': 1}}`, `{a={"x":1}}`, `{"a":{"x":1}}`},
		{`MAP {'k': TIMESTAMPTZ '2026-11-02 18:45:39+00'}`, `{k=2026-11-02 18:45:39+00:00}`, `{"k":"2026-11-02 18:45:39+00:00"}`},
		{`{'m': MAP {'k': 1}}`, `{"m":{"k":1}}`, `{"m":{"k":1}}`},
		{`[MAP {'k': 1}, NULL]`, `[{"k":1},null]`, `[{"k":1},null]`},
		{`date 'infinity'`, `infinity`, `"infinity"`},
		{`date '-infinity'`, `-infinity`, `"-infinity"`},
		{`DATE '5881580-07-10'`, `5881580-07-10`, `"5881580-07-10"`},
		{`timestamp 'infinity'`, `infinity`, `"infinity"`},
		{`'-infinity'::TIMESTAMP`, `-infinity`, `"-infinity"`},
		{`TIMESTAMP '294247-01-10 04:00:54.775806'`, `294247-01-10 04:00:54.775806`, `"294247-01-10 04:00:54.775806"`},
		{`timestamptz 'infinity'`, `infinity`, `"infinity"`},
		{`'-infinity'::TIMESTAMPTZ`, `-infinity`, `"-infinity"`},
		{`'infinity'::TIMESTAMP_S`, `infinity`, `"infinity"`},
		{`'-infinity'::TIMESTAMP_S`, `-infinity`, `"-infinity"`},
		{`'infinity'::TIMESTAMP_MS`, `infinity`, `"infinity"`},
		{`'-infinity'::TIMESTAMP_MS`, `-infinity`, `"-infinity"`},
		{`'infinity'::TIMESTAMP_NS`, `infinity`, `"infinity"`},
		{`'-infinity'::TIMESTAMP_NS`, `-infinity`, `"-infinity"`},
		{`TIMESTAMPTZ '2026-11-02 18:45:39+00'`, `2026-11-02 18:45:39+00:00`, `"2026-11-02 18:45:39+00:00"`},
		{`{'t': TIMESTAMPTZ '2026-11-02 18:45:39+00'}`, `{"t":"2026-11-02 18:45:39+00:00"}`, `{"t":"2026-11-02 18:45:39+00:00"}`},
		{`{'Odd "name", too': TIMESTAMPTZ '2026-11-02 18:45:39+00'}`, `{"Odd \"name\", too":"2026-11-02 18:45:39+00:00"}`, `{"Odd \"name\", too":"2026-11-02 18:45:39+00:00"}`},
		{`[TIMESTAMPTZ '2026-11-02 18:45:39.5+00']`, `["2026-11-02 18:45:39.500000+00:00"]`, `["2026-11-02 18:45:39.500000+00:00"]`},
		{`{'d': DATE '2026-01-02', 'tm': TIME '01:02:03', 'di': date 'infinity', 'ts': TIMESTAMP '2026-01-02 03:04:05'}`,
			`{"d":"2026-01-02","tm":"01:02:03","di":"infinity","ts":"2026-01-02 03:04:05"}`, `{"d":"2026-01-02","tm":"01:02:03","di":"infinity","ts":"2026-01-02 03:04:05"}`},
		{`[[DATE '2026-01-02']]`, `[["2026-01-02"]]`, `[["2026-01-02"]]`},
		{`[DATE '2026-01-02', date '-infinity']::DATE[2]`, `["2026-01-02","-infinity"]`, `["2026-01-02","-infinity"]`},
		{`{'s': {'d': DATE '2026-01-02'}}`, `{"s":{"d":"2026-01-02"}}`, `{"s":{"d":"2026-01-02"}}`},
		// duckdb-go's DECIMAL, INTERVAL and UUID, through warehouse.Plain,
		// alone and inside a list, a struct or a map.
		{`1531.00::DECIMAL(10,2)`, `1531.00`, `1531.00`},
		{`-0.005::DECIMAL(10,3)`, `-0.005`, `-0.005`},
		{`INTERVAL '1 year 2 months 3 days 04:05:06.5'`, `P1Y2M3DT4H5M6.5S`, `"P1Y2M3DT4H5M6.5S"`},
		{`'5e1f8b66-7a57-4b6b-9c2b-4b3c5f6a7d8e'::UUID`, `5e1f8b66-7a57-4b6b-9c2b-4b3c5f6a7d8e`, `"5e1f8b66-7a57-4b6b-9c2b-4b3c5f6a7d8e"`},
		{`[1.50::DECIMAL(4,2), NULL]`, `[1.50,null]`, `[1.50,null]`},
		{`{'d': 2.5::DECIMAL(3,1), 'i': INTERVAL '2 days'}`, `{"d":2.5,"i":"P2D"}`, `{"d":2.5,"i":"P2D"}`},
		{`MAP {'a': 1.25::DECIMAL(5,2)}`, `{a=1.25}`, `{"a":1.25}`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			rows, err := db.QueryContext(ctx, "SELECT "+tc.expr+" AS v")
			if err != nil {
				t.Fatal(err)
			}
			r, err := Read(rows, warehouse.PlainRow)
			if err != nil {
				t.Fatal(err)
			}
			var table, csvOut, js strings.Builder
			for format, b := range map[string]*strings.Builder{"table": &table, "csv": &csvOut, "json": &js} {
				if err := Write(b, format, r); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
			}
			if !strings.Contains(table.String(), "│ "+tc.text+" │") {
				t.Errorf("table (%s):\n%s\nwant a cell %s", r.Types[0], table.String(), tc.text)
			}
			recs, err := csv.NewReader(strings.NewReader(csvOut.String())).ReadAll()
			if err != nil || len(recs) != 2 || recs[1][0] != tc.text {
				t.Errorf("csv (%s): %q %v, want the cell %s", r.Types[0], csvOut.String(), err, tc.text)
			}
			if want := "[\n  {\"v\": " + tc.json + "}\n]\n"; js.String() != want {
				t.Errorf("json (%s):\n%s\nwant\n%s", r.Types[0], js.String(), want)
			}
		})
	}
}

// TestNestedTypes reads the element, key, value and field types off
// DuckDB's type names.
func TestNestedTypes(t *testing.T) {
	if got := elemType("TIMESTAMPTZ[]"); got != "TIMESTAMPTZ" {
		t.Errorf("elemType: %q", got)
	}
	if got := elemType("MAP(VARCHAR, INTEGER[3])[2]"); got != "MAP(VARCHAR, INTEGER[3])" {
		t.Errorf("elemType of an array: %q", got)
	}
	if got := elemType("VARCHAR"); got != "" {
		t.Errorf("elemType of a scalar: %q", got)
	}
	if k, v := mapTypes(`MAP(VARCHAR, STRUCT("a" INTEGER, b DECIMAL(10,2)))`); k != "VARCHAR" || v != `STRUCT("a" INTEGER, b DECIMAL(10,2))` {
		t.Errorf("mapTypes: %q %q", k, v)
	}
	got := fieldTypes(`STRUCT("a,b" DECIMAL(10,2), "q""x" MAP(VARCHAR, DATE), plain TIMESTAMP WITH TIME ZONE)`)
	want := map[string]string{"a,b": "DECIMAL(10,2)", `q"x`: "MAP(VARCHAR, DATE)", "plain": "TIMESTAMP WITH TIME ZONE"}
	if len(got) != len(want) {
		t.Errorf("fieldTypes: %q", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("fieldTypes[%q] = %q, want %q", k, got[k], v)
		}
	}
}
