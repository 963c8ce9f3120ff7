package read

import (
	"reflect"
	"testing"

	"github.com/digitalservices/elt/internal/ingest/read/csvscan"
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

// TestCSVRaw: csvRecords keeps each record's raw text as the scanner has
// it, mostly as a piece of the file's text (one whose bad line inside a
// quoted field reads as empty is not).
func TestCSVRaw(t *testing.T) {
	for _, tc := range []struct {
		in  string
		bad []int
	}{
		{"a,b\n1,2\n", nil},
		{"x,\"one\ntwo\"\ny\n\"a\"b,c\n\"d,e", nil},
		{"a\nb\xff\nc", []int{2}},
		{"h\n\"a\nzz\nb\",c", []int{3}},
	} {
		recs := csvscan.Scan(tc.in, tc.bad)
		read := csvRecords(tc.in, tc.bad, []string{"a"})
		if read.Len() != len(recs)-1 {
			t.Fatalf("%q: %d records, the scanner %d after the header", tc.in, read.Len(), len(recs)-1)
		}
		for k := range read.line {
			if got, want := read.str(read.raw[k]), recs[k+1].Raw; got != want {
				t.Errorf("%q: raw of line %d = %q, want %q", tc.in, read.line[k], got, want)
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
