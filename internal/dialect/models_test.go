package dialect

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// duck opens an in-memory DuckDB for the test.
func duck(t testing.TB) *warehouse.DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// shipped are the models of the repository and of elt init's starter:
// schema.name → the file.
func shipped(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, glob := range []string{"../../models/*/*.sql", "../starter/files/models/*/*.sql"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := filepath.Base(filepath.Dir(f)) + "." + strings.TrimSuffix(filepath.Base(f), ".sql")
			out[name] = f
		}
	}
	if len(out) < 8 {
		t.Fatalf("found %d shipped models", len(out))
	}
	return out
}

var header = regexp.MustCompile(`(?s)^\s*/\*.*?\*/`)

// body is a model file's SQL: the header comment blanked (offsets kept)
// and the trailing space and semicolons cut.
func body(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := header.ReplaceAllStringFunc(string(b), func(h string) string {
		return regexp.MustCompile(`[^\n]`).ReplaceAllString(h, " ")
	})
	return strings.TrimRight(s, " \t\r\n;")
}

// modelVars are the variables of the shipped models (their vars: headers
// and the starter's elt.yaml).
var modelVars = map[string]any{"fraud_threshold": 3, "fraud_window_seconds": 60, "min_order_amount": 0}

// starterMacros are elt init's macros (macros/money.sql).
var starterMacros = map[string]Macro{"to_eur": {Params: []string{"amount", "rate"}, Body: "(amount * rate)::DECIMAL(12, 2)"}}

func TestShippedModels(t *testing.T) {
	db := duck(t)
	duckOnly := regexp.MustCompile(`(?i)\b(arg_min|arg_max|getvariable|strftime|regexp_matches|regexp_full_match|epoch_ms|to_seconds|list|map|struct_pack|to_json|qualify|exclude)\b`)
	for name, path := range shipped(t) {
		for _, e := range Engines {
			got, err := Translate(context.Background(), db, body(t, path), e, Options{Vars: modelVars, Macros: starterMacros})
			if err != nil {
				t.Errorf("%s for %s: %v", name, e, err)
				continue
			}
			golden := filepath.Join("testdata", string(e), name+".sql")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got+"\n" != string(want) {
				t.Errorf("%s for %s differs from %s:\n%s", name, e, golden, got)
			}
			if m := duckOnly.FindString(strings.ReplaceAll(got, "__qualify", "")); m != "" {
				t.Errorf("%s for %s still says %s:\n%s", name, e, m, got)
			}
		}
	}
}
