package project

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputInBronzeRefused: an exports folder that is, is inside or holds
// a bronze source's folder is refused when the project loads, naming both
// folders: by flag a usage error, from elt.yaml an error at its line
// (the next build ingested the tool's own exports).
func TestOutputInBronzeRefused(t *testing.T) {
	const yml = "version: 1\nsources:\n  transactions:\n    format: csv\n    fields:\n      - {name: id, type: id}\n"
	for _, tc := range []struct {
		name, yaml string
		o          Overrides
		want       string // "" when accepted
		usage      bool
	}{
		{"flag is", yml, Overrides{Output: "data/bronze/transactions"}, "is the folder of bronze source transactions", true},
		{"flag inside", yml, Overrides{Output: "data/bronze/transactions/out"}, "is inside the folder of bronze source transactions", true},
		{"flag holds", yml, Overrides{Output: "data"}, "holds the folder of bronze source transactions", true},
		{"bronze flag", yml, Overrides{Bronze: "data/out"}, "holds the folder of bronze source transactions", true},
		{"link", yml, Overrides{Output: "exports"}, "is the folder of bronze source transactions", true},
		{"yaml", yml + "paths:\n  output: data/bronze/transactions/x\n", Overrides{}, "elt.yaml:8:3: the exports folder", false},
		{"sibling", yml, Overrides{Output: "data/bronze-out"}, "", false},
		{"default", yml, Overrides{}, "", false},
		{"other source path", "version: 1\nsources:\n  t:\n    path: in/t\n    format: csv\n    fields:\n      - {name: id, type: id}\n", Overrides{Output: "data/bronze/t"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, "data", "bronze", "transactions"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(dir, "data", "bronze", "transactions"), filepath.Join(dir, "exports")); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir, tc.o)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ue *UsageError
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Join(dir, "data")) || errors.As(err, &ue) != tc.usage {
				t.Fatalf("got %v, want %q (usage error %v)", err, tc.want, tc.usage)
			}
		})
	}
}
