package ingest

import (
	"reflect"
	"testing"
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

// TestMalformedLines numbers the lines that are not strict objects, leaving
// out blank and badly encoded ones.
func TestMalformedLines(t *testing.T) {
	got := malformedLines("{\"a\":1}\n\nnot json\n{\"b\":NaN}\nbad\n   \n{}", []int{5})
	if want := []int{3, 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
