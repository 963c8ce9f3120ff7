package project

import (
	"errors"
	"reflect"
	"testing"
)

// TestParseVars: each --var value is read as YAML (numbers as float64, a
// boolean, text; a list or mapping stays its text; a comma is part of the
// value), names are trimmed, a later setting wins; a setting without a
// name or with an infinite or NaN number is a usage error that says so.
func TestParseVars(t *testing.T) {
	for _, tc := range []struct {
		settings []string
		want     map[string]any
		err      string
	}{
		{nil, map[string]any{}, ""},
		{[]string{"n=5", "f=2.5", "b=true", "s=hello", " x =1"}, map[string]any{"n": 5.0, "f": 2.5, "b": true, "s": "hello", "x": 1.0}, ""},
		{[]string{"a=1,b=2"}, map[string]any{"a": "1,b=2"}, ""},
		{[]string{"l=[1, 2]", "m={k: v}"}, map[string]any{"l": "[1, 2]", "m": "{k: v}"}, ""},
		{[]string{`q="5"`, "e=", "eq=a=b"}, map[string]any{"q": "5", "e": nil, "eq": "a=b"}, ""},
		{[]string{"x=1", "x=2"}, map[string]any{"x": 2.0}, ""},
		{[]string{"x"}, nil, `--var takes name=value, found "x"`},
		{[]string{" =1"}, nil, `--var takes name=value, found " =1"`},
		{[]string{"x=.inf"}, nil, `--var x: ".inf" is +Inf, which is not a SQL value; give a finite number, or quote it for text: --var 'x=".inf"'`},
		{[]string{"y=.nan"}, nil, `--var y: ".nan" is NaN, which is not a SQL value; give a finite number, or quote it for text: --var 'y=".nan"'`},
	} {
		got, err := ParseVars(tc.settings)
		var ue *UsageError
		switch {
		case tc.err != "":
			if !errors.As(err, &ue) || ue.Msg != tc.err {
				t.Errorf("%q: error %v, want %q", tc.settings, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.settings, err)
		case !reflect.DeepEqual(got, tc.want):
			t.Errorf("%q: %#v, want %#v", tc.settings, got, tc.want)
		}
	}
}

// TestVarSettings: the --var flag keeps each setting whole, commas and all.
func TestVarSettings(t *testing.T) {
	var v VarSettings
	for _, s := range []string{"a=1,b=2", "c=x y"} {
		if err := v.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	if len(v) != 2 || v[0] != "a=1,b=2" || v[1] != "c=x y" || v.String() != "a=1,b=2 c=x y" {
		t.Fatalf("settings %q, string %q", []string(v), v.String())
	}
	vars, err := ParseVars(v)
	if err != nil || vars["a"] != "1,b=2" || vars["c"] != "x y" {
		t.Fatalf("ParseVars: %v, %v", vars, err)
	}
}
