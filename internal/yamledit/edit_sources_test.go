package yamledit

import (
	"strings"
	"testing"
)

func TestAddSources(t *testing.T) {
	block := "  c:\n    format: csv\n    path: c\n    fields:\n      - {name: k, type: text}\n"
	cases := []struct{ name, in, want, err string }{
		{"no sources yet", "version: 1 # v\n", "version: 1 # v\n\nsources:\n" + block, ""},
		{"no line break at the end", "version: 1", "version: 1\n\nsources:\n" + block, ""},
		{"an empty sources:", "version: 1\nsources:\n# later\nmodels:\n  materialized: table\n",
			"version: 1\nsources:\n" + block + "# later\nmodels:\n  materialized: table\n", ""},
		{"after the last source, at the end", "version: 1\nsources:\n  a:\n    format: csv\n    path: a\n    fields:\n      - {name: x, type: text}\n# end\n",
			"version: 1\nsources:\n  a:\n    format: csv\n    path: a\n    fields:\n      - {name: x, type: text}\n" + block + "# end\n", ""},
		{"a flow mapping", "version: 1\nsources: {}\n", "", "elt.yaml:2:1: sources: is not a block mapping"},
		{"declared already", "version: 1\nsources:\n  C:\n    format: csv\n    path: c\n    fields:\n      - {name: k, type: text}\n", "", "elt.yaml:3:3: source C is already declared"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AddSources(tc.in, []string{"c"}, block)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
