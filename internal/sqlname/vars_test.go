package sqlname

import (
	"slices"
	"testing"
)

func TestSetVariables(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]any
		want []string
	}{
		{"none", nil, []string{}},
		{"in name order, each type as SQL", map[string]any{
			"z": "it's", "a": true, "m": 1.5, "n": 7, "o": nil, "p": []any{1},
		}, []string{
			`SET VARIABLE "a" = true`,
			`SET VARIABLE "m" = 1.5`,
			`SET VARIABLE "n" = 7`,
			`SET VARIABLE "o" = NULL`,
			`SET VARIABLE "p" = '[1]'`,
			`SET VARIABLE "z" = 'it''s'`,
		}},
		{"a name needing quotes", map[string]any{`odd "name"`: int64(1)}, []string{`SET VARIABLE "odd ""name""" = 1`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SetVariables(tc.vars); !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}
