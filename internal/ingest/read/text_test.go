package read

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestPrepareText: line breaks (LF, CRLF, lone CR) and bad lines.
func TestPrepareText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		bad  []int
	}{
		{"a\nb\n", "a\nb\n", nil},
		{"a\r\nb\r\n", "a\nb\n", nil},
		{"a\rb\rc", "a\nb\nc", nil},
		{"a\r\n\rb", "a\n\nb", nil},
		{"ok\nbad \xff\nnul\x00\nok", "ok\nbad \uFFFD\nnul\uFFFD\nok", []int{2, 3}},
	} {
		got, bad := PrepareText([]byte(tc.in))
		if got != tc.want || !reflect.DeepEqual(bad, tc.bad) {
			t.Errorf("PrepareText(%q) = %q %v, want %q %v", tc.in, got, bad, tc.want, tc.bad)
		}
	}
}

// TestScanCSV covers RFC 4180 and the contract's malformed cases.
func TestScanCSV(t *testing.T) {
	show := func(rs []CSVRecord) string {
		var parts []string
		for _, r := range rs {
			parts = append(parts, fmt.Sprintf("%d:%s:%q:%q", r.Line, r.Reason, r.Raw, r.Fields))
		}
		return strings.Join(parts, " | ")
	}
	for _, tc := range []struct {
		name, in string
		bad      []int
		want     string
	}{
		{"plain", "a,b\n1,2", nil, `1::"a,b":["a" "b"] | 2::"1,2":["1" "2"]`},
		{"blank lines", "a\n\n  \n1\n", nil, `1::"a":["a"] | 4::"1":["1"]`},
		{"quoted comma and quote", `a,"b,""c"""`, nil, `1::"a,\"b,\"\"c\"\"\"":["a" "b,\"c\""]`},
		{"quoted line break", "x,\"one\ntwo\"\ny", nil, `1::"x,\"one\ntwo\"":["x" "one\ntwo"] | 3::"y":["y"]`},
		{"quote inside a bare field", `a"b,c`, nil, `1::"a\"b,c":["a\"b" "c"]`},
		{"empty fields", ",,", nil, `1::",,":["" "" ""]`},
		{"text after closing quote", "\"a\"b,c\nd", nil, `1:malformed_csv:"\"a\"b,c":["ab" "c"] | 2::"d":["d"]`},
		{"open at end of file", "a\n\"b,c\nd,e", nil, `1::"a":["a"] | 2:malformed_csv:"\"b,c":[] | 3::"d,e":["d" "e"]`},
		{"bad line alone", "a\nb\xff\nc", []int{2}, `1::"a":["a"] | 2:invalid_encoding:"b\xff":[] | 3::"c":["c"]`},
		{"bad line inside quotes", "\"a\nzz\nb\",c", []int{2}, `1::"\"a\n\nb\",c":["a\n\nb" "c"] | 2:invalid_encoding:"zz":[]`},
	} {
		recs := ScanCSV(tc.in, tc.bad)
		if got := show(recs); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got, tc.want)
		}
		// csvRecords keeps each record's raw text, mostly as a piece of
		// the file's: it must read the same.
		read := csvRecords(tc.in, tc.bad, []string{"a"})
		for k := range read.line {
			if got, want := read.str(read.raw[k]), recs[k+1].Raw; got != want {
				t.Errorf("%s: raw of line %d = %q, want %q", tc.name, read.line[k], got, want)
			}
		}
	}
}

// TestCSVRecords: header matching by name, duplicates and column counts.
func TestCSVRecords(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		cols     []string
		want     string
	}{
		{"by name, any order and case", "B, a ,x\n2,1,9\n", []string{"a", "b", "c"}, `2::110:"1" "2" ""`},
		{"wrong column count", "a,b\n1\n1,2,3\n", []string{"a"}, `2:wrong_column_count:0:"" | 3:wrong_column_count:0:""`},
		{"column read twice", "a,b,A\n1,2,3\n", []string{"a"}, `2:malformed_csv:0:""`},
		{"unread column twice", "a,b,b\n1,2,3\n", []string{"a"}, `2::1:"1"`},
		{"malformed header", "\"a\"x,b\n1,2\n", []string{"a"}, `2:malformed_csv:0:""`},
		{"header only", "a,b\n", []string{"a"}, ""},
		// Records without a quote are cut at their commas, as pieces of
		// the text; the others are read a byte at a time.
		{"plain and quoted records", "a,b,c\n1,,3\n\"x,y\",\"\",z\n,,\n", []string{"a", "b", "c"}, `2::111:"1" "" "3" | 3::111:"x,y" "" "z" | 4::111:"" "" ""`},
		{"quoted header, plain records", "\"a\",b\n1,2\n", []string{"b", "a"}, `2::11:"2" "1"`},
	} {
		if got := showRecords(csvRecords(tc.in, nil, tc.cols)); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
