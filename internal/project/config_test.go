package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigBounds: every setting out of range is reported at its
// elt.yaml:line:col, all together; settings in range load.
func TestConfigBounds(t *testing.T) {
	checkConfigs(t, []configCase{
		{"version: 1\nduckdb:\n  threads: 4\n  memory_limit: 1.5GB\n", nil},
		{"version: 1\nduckdb:\n  threads: 1024\n  memory_limit: 512MiB\n", nil},
		{"version: 1\nduckdb:\n  threads: 100000\n", []string{"3:3: threads must be from 1 to 1024, found 100000"}},
		{"version: 1\nduckdb:\n  threads: 0\n", []string{"3:3: threads must be from 1 to 1024, found 0"}},
		{"version: 1\nduckdb:\n  threads: -2\n", []string{"3:3: threads must be from 1 to 1024"}},
		{"version: 1\nduckdb:\n  memory_limit: 0\n", []string{`3:3: memory_limit must be a positive size like 4GB or 512MB, found "0"`}},
		{"version: 1\nduckdb:\n  memory_limit: 0GB\n", []string{`found "0GB"`}},
		{"version: 1\nduckdb:\n  memory_limit: 80%\n", []string{`found "80%"`}},
		{"version: 1\nsources:\n  e:\n    format: csv\n    fields: [{name: id, type: id}]\n    max_quarantine_pct: .nan\n",
			[]string{"6:5: source e: max_quarantine_pct is a percentage from 0 to 100, found NaN"}},
		{"version: 1\nsources:\n  e:\n    format: csv\n    fields: [{name: id, type: id}]\n    max_quarantine_pct: -1\n", []string{"found -1"}},
		{"version: 1\nsources:\n  e:\n    format: csv\n    fields: [{name: id, type: id}]\n    patterns: ['[']\n", []string{`6:16: source e: pattern "[" is not a valid glob`}},
		{"version: 1\nduckdb:\n  threads: 0\n  memory_limit: none\n", []string{"3:3: threads", "4:3: memory_limit"}},
	})
}

// writeConfig writes dir/elt.yaml.
func writeConfig(t *testing.T, dir, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// configCase is an elt.yaml and the parts its error must hold, each
// "line:col: message part"; none when it must load.
type configCase struct {
	yaml string
	want []string
}

// checkConfigs loads each case's elt.yaml and checks its errors.
func checkConfigs(t *testing.T, cases []configCase) {
	t.Helper()
	for _, tc := range cases {
		dir := t.TempDir()
		writeConfig(t, dir, tc.yaml)
		_, err := LoadConfig(dir)
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%q: %v", tc.yaml, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: accepted, want %v", tc.yaml, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: got\n%v\nwant it to contain %q", tc.yaml, err, w)
			}
		}
	}
}
