package csvscan

import (
	"fmt"
	"strings"
	"testing"
)

// TestScan covers RFC 4180 and the contract's malformed cases.
func TestScan(t *testing.T) {
	show := func(rs []Record) string {
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
		recs := Scan(tc.in, tc.bad)
		if got := show(recs); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
