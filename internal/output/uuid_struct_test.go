package output

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

// TestUUIDsAndStructOrder renders UUIDs as DuckDB prints them
// (00000000-0000-0000-0000-000000000001; before, their 16 bytes as
// \x00000000000000000000000000000001) at the top level and inside lists,
// structs and maps, in the table, CSV and JSON formats and in Text (what
// the feature store is sent), while a BLOB of 16 bytes stays bytes; and
// keeps a struct's fields in DuckDB's order ({"z":1,"a":2}; before, they
// were sorted by name).
func TestUUIDsAndStructOrder(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const one = `'00000000-0000-0000-0000-000000000001'::UUID`
	for _, tc := range []struct {
		expr string
		text string // the table's and the CSV's cell, and Text; "" for DuckDB's own CAST(expr AS VARCHAR)
		json string // the JSON value; "" for the text as a JSON string
	}{
		{one, `00000000-0000-0000-0000-000000000001`, ""},
		{`'ffffffff-ffff-ffff-ffff-ffffffffffff'::UUID`, "", ""},
		{`'7fffffff-ffff-ffff-ffff-ffffffffffff'::UUID`, "", ""},
		{`'80000000-0000-0000-0000-000000000000'::UUID`, "", ""},
		{`'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::UUID`, `a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11`, ""},
		{`md5('x')::UUID`, "", ""},
		{`gen_random_uuid()`, "", ""},
		{`'\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F'::BLOB`, `\x000102030405060708090a0b0c0d0e0f`, `"\\x000102030405060708090a0b0c0d0e0f"`},
		{`[` + one + `, NULL]`, `["00000000-0000-0000-0000-000000000001",null]`, `["00000000-0000-0000-0000-000000000001",null]`},
		{`{'u': ` + one + `}`, `{"u":"00000000-0000-0000-0000-000000000001"}`, `{"u":"00000000-0000-0000-0000-000000000001"}`},
		{`MAP {'k': ` + one + `}`, `{k=00000000-0000-0000-0000-000000000001}`, `{"k":"00000000-0000-0000-0000-000000000001"}`},
		{`{'z': 1, 'a': 2}`, `{"z":1,"a":2}`, `{"z":1,"a":2}`},
		{`{'B': 1, 'a': 2, 'C': NULL}`, `{"B":1,"a":2,"C":null}`, `{"B":1,"a":2,"C":null}`},
		{`{'z': {'y': 1, 'b': DATE '2026-01-02'}, 'a': [{'q': 1, 'c': 2}]}`, `{"z":{"y":1,"b":"2026-01-02"},"a":[{"q":1,"c":2}]}`, `{"z":{"y":1,"b":"2026-01-02"},"a":[{"q":1,"c":2}]}`},
		{`{'Odd "name", too': 1, 'a b': 2}`, `{"Odd \"name\", too":1,"a b":2}`, `{"Odd \"name\", too":1,"a b":2}`},
		{`MAP {'k': {'z': 1, 'a': 2}}`, `{k={"z":1,"a":2}}`, `{"k":{"z":1,"a":2}}`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			rows, err := db.QueryContext(ctx, "SELECT v, CAST(v AS VARCHAR) FROM (SELECT "+tc.expr+" AS v)")
			if err != nil {
				t.Fatal(err)
			}
			r, err := Read(rows, warehouse.PlainRow)
			if err != nil {
				t.Fatal(err)
			}
			text, js := tc.text, tc.json
			if text == "" {
				text = r.Rows[0][1].(string)
			}
			if js == "" {
				js = `"` + text + `"`
			}
			if got, ok := Text(r.Rows[0][0], r.Types[0]); got != text || !ok {
				t.Errorf("Text (%s) = %q, want %q", r.Types[0], got, text)
			}
			r.Columns, r.Types = r.Columns[:1], r.Types[:1]
			r.Rows[0] = r.Rows[0][:1]
			var table, csvOut, jsOut strings.Builder
			for format, b := range map[string]*strings.Builder{"table": &table, "csv": &csvOut, "json": &jsOut} {
				if err := Write(b, format, r); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
			}
			if !strings.Contains(table.String(), "│ "+text+" │") {
				t.Errorf("table (%s):\n%s\nwant a cell %s", r.Types[0], table.String(), text)
			}
			recs, err := csv.NewReader(strings.NewReader(csvOut.String())).ReadAll()
			if err != nil || len(recs) != 2 || recs[1][0] != text {
				t.Errorf("csv (%s): %q %v, want the cell %s", r.Types[0], csvOut.String(), err, text)
			}
			if want := "[\n  {\"v\": " + js + "}\n]\n"; jsOut.String() != want {
				t.Errorf("json (%s):\n%s\nwant\n%s", r.Types[0], jsOut.String(), want)
			}
		})
	}
}

// TestFieldList reads a struct type's fields in their order.
func TestFieldList(t *testing.T) {
	got := fieldList(`STRUCT(z INTEGER, "a,b" DECIMAL(10,2), "q""x" MAP(VARCHAR, DATE), plain TIMESTAMP WITH TIME ZONE)`)
	want := []field{{"z", "INTEGER"}, {"a,b", "DECIMAL(10,2)"}, {`q"x`, "MAP(VARCHAR, DATE)"}, {"plain", "TIMESTAMP WITH TIME ZONE"}}
	if len(got) != len(want) {
		t.Fatalf("fieldList: %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("fieldList[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}
