package read

import (
	"context"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/contract"
)

// TestStrictObject: RFC 8259 objects only, as contract revision 2 says.
func TestStrictObject(t *testing.T) {
	for line, want := range map[string]bool{
		`{"a": 1}`: true,
		`  {"a": [1, 2.5e-3, -0, true, false, null, {"b": "c"}]}  `: true,
		`{}`:                                true,
		`{"a": "\u00e9\ud83d\ude00\n\"\\"}`: true,
		`{"a": {"k": 1, "k": 2}}`:           true, // repeated inside a nested value: kept
		`{"a": 1, "a": 2}`:                  false,
		`{"a": 1, "\u0061": 2}`:             false, // the same key, escaped
		`{"a": NaN}`:                        false,
		`{"a": -Infinity}`:                  false,
		`{"a": 1,}`:                         false,
		`{"a": [1,]}`:                       false,
		`{"a": "\ud800x"}`:                  false,
		`{"a": "\udc00"}`:                   false,
		`{'a': 1}`:                          false,
		`{"a": 1} // comment`:               false,
		`{"a": 01}`:                         false,
		`{"a": .5}`:                         false,
		`{"a": 1.}`:                         false,
		`{"a": +1}`:                         false,
		"{\"a\": \"x\ty\"}":                 false,
		`{"a": "\x"}`:                       false,
		`[1, 2]`:                            false,
		`"text"`:                            false,
		`{"a": 1`:                           false,
		`{"a": 1}}`:                         false,
		`{"a" 1}`:                           false,
		`{"a": tru}`:                        false,
	} {
		if got := strictObject(line); got != want {
			t.Errorf("strictObject(%s) = %v, want %v", line, got, want)
		}
	}
}

// TestStringStops: eight bytes at a time, a string's text runs to its
// first quote, backslash or control character, wherever it is and
// whatever follows it (the bytes after may be marked too), and never
// stops at other bytes (a space, DEL, UTF-8's bytes above 0x7f).
func TestStringStops(t *testing.T) {
	plain := []byte{'a', ' ', 0x7f, 0x80, 0xc3, 0xa9, 0xff, '!', '#', '[', ']', 0x21, 0x5b, 0x5d}
	stops := []byte{'"', '\\', 0x00, 0x01, 0x0a, 0x1f}
	for at := 0; at <= 8; at++ {
		for _, stop := range append(stops, 'a') {
			for _, after := range append(stops, plain...) {
				b := make([]byte, 8)
				for i := range b {
					b[i] = plain[(i+at)%len(plain)]
				}
				if at < 8 && stop != 'a' {
					b[at] = stop
					for i := at + 1; i < 8; i++ {
						b[i] = after
					}
				}
				want := at
				if stop == 'a' { // no stop: all plain
					want = 8
				}
				got := 8
				if m := stringStops(le64(string(b))); m != 0 {
					got = bits.TrailingZeros64(m) / 8
				}
				if got != want {
					t.Fatalf("% x: stops at %d, want %d", b, got, want)
				}
			}
		}
	}
}

// showRecords renders records as line:reason:kinds:values, one per record.
func showRecords(r *Records) string {
	var out []string
	for k, n := range r.line {
		var kinds, vals []string
		for i := range r.kinds {
			kinds = append(kinds, strconv.Itoa(int(r.kinds[i][k])))
			vals = append(vals, strconv.Quote(r.str(r.vals[i][k])))
		}
		out = append(out, fmt.Sprintf("%d:%s:%s:%s", n, BadReasons[r.bad[k]], strings.Join(kinds, ""), strings.Join(vals, " ")))
	}
	return strings.Join(out, " | ")
}

// TestNDJSONRecords: blank lines are no records; bad encoding and
// malformed JSON are named; the top-level values asked for are kept with
// their kind, strings unescaped and everything else as written.
func TestNDJSONRecords(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		bad      []int
		keys     []string
		want     string
	}{
		{"reasons", "{\"a\":1}\n\nnot json\n{\"b\":NaN}\nbad\n   \n{}", []int{5}, []string{"a"},
			`1::2:"1" | 3:malformed_json:0:"" | 4:malformed_json:0:"" | 5:invalid_encoding:0:"" | 7::0:""`},
		{"kinds", `{"s": "x\u00e9\n", "i": -12, "u": 18446744073709551615, "d": 1.5e3, "z": -0, "b": true, "n": null, "o": {"k": [1, 2]}, "a": [ ]}`, nil,
			[]string{"s", "i", "u", "d", "z", "b", "n", "o", "a", "missing"},
			`1::1238845670:"xé\n" "-12" "18446744073709551615" "1.5e3" "-0" "true" "null" "{\"k\": [1, 2]}" "[ ]" ""`},
		{"big integer", `{"i": 123456789012345678901234}`, nil, []string{"i"}, `1::8:"123456789012345678901234"`},
		{"nested keys are not top-level", `{"o": {"i": 1}}`, nil, []string{"i"}, `1::0:""`},
		{"keys are matched as written", `{"I": 1, "\u0069": 2}`, nil, []string{"i"}, `1::2:"2"`},
		{"keys in another order", `{"b": "y", "c": 0, "a": "x"}`, nil, []string{"a", "b"}, `1::11:"x" "y"`},
		{"a key kept twice", `{"a": 1, "b": 2, "a": 3}`, nil, []string{"a", "b"}, `1:malformed_json:00:"" ""`},
		{"a key kept twice, escaped", `{"a": 1, "\u0061": 2}`, nil, []string{"a"}, `1:malformed_json:0:""`},
		{"another key twice", `{"a": 1, "x": 1, "x": 2}`, nil, []string{"a"}, `1:malformed_json:0:""`},
	} {
		if got := showRecords(ndjsonRecords(tc.in, tc.bad, tc.keys, 1)); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// TestChunkedNDJSON: reading an NDJSON file a few bytes at a time gives the
// records and the hash of reading it whole, whatever the line breaks, byte
// order mark, bad bytes and blank lines, and wherever the chunks end.
func TestChunkedNDJSON(t *testing.T) {
	read := func(path string) (string, string) {
		var parts []string
		var sha string
		File(context.Background(), path, Path(path), 0, contract.NDJSON, []string{"a", "b"}, "", false, func(p Piece) bool {
			if p.Err != nil {
				t.Fatal(p.Err)
			}
			if p.Records != nil {
				if s := showRecords(p.Records); s != "" {
					parts = append(parts, s)
				}
			}
			sha = p.Fingerprint
			return true
		})
		return strings.Join(parts, " | "), sha
	}
	defer func(n int) { ChunkBytes = n }(ChunkBytes)
	for _, tc := range []struct{ name, in string }{
		{"lf", "{\"a\": 1}\n{\"a\": \"x\", \"b\": [1]}\n\n{\"b\": null}\n"},
		{"crlf and bom", "\xEF\xBB\xBF{\"a\": 1}\r\n{\"a\": 2}\r\n  \r\n{\"a\": \"\\u00e9\"}"},
		{"lone cr", "{\"a\": 1}\r{\"a\": 2}\r\r{\"a\": 3}\r"},
		{"mixed", "{\"a\": 1}\n\r{\"a\": 2}\r\n{\"a\": 3}\r{\"a\": 4}\n"},
		{"bad bytes and json", "{\"a\": \"\xff\"}\nnot json\n{\"a\": 1,}\n{\"a\": \"ok\"}\n\xEF\xBB\xBF{\"a\": 5}\n"},
	} {
		path := filepath.Join(t.TempDir(), "f.json")
		if err := os.WriteFile(path, []byte(tc.in), 0o644); err != nil {
			t.Fatal(err)
		}
		ChunkBytes = 1 << 20
		whole, wholeSHA := read(path)
		if whole == "" || wholeSHA == "" {
			t.Fatalf("%s: nothing read", tc.name)
		}
		for n := 1; n <= len(tc.in); n++ {
			ChunkBytes = n
			if got, sha := read(path); got != whole || sha != wholeSHA {
				t.Errorf("%s in chunks of %d:\ngot  %s %s\nwant %s %s", tc.name, n, got, sha[:8], whole, wholeSHA[:8])
			}
		}
	}
}
