package cli

import (
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestSeedsReadStrictly: a seed is read as CSV sources are (RFC 4180), and
// what a source would quarantine, an empty or header-only seed, and a value
// that its declared type would round or refuse are errors at the seed's
// path and line (showing the line) before anything runs: no run is
// recorded and no table is built. Here one case through elt build (exit 1,
// the error on stderr); every case is internal/build's
// TestSeedsReadStrictly.
func TestSeedsReadStrictly(t *testing.T) {
	for _, tc := range []struct {
		name, text, config string
		want               []string
	}{
		{"unmatched quote", "currency,rate\n\"EUR,1.0\nUSD,1\n", "",
			[]string{"seeds/ref/fx_rates.csv:2: a quote opened on this line is never closed", `   2 | "EUR,1.0`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proj := testutil.SeedProject(t, tc.text, tc.config)
			code, out, errs := elt(t, "--project", proj, "build")
			if code != ExitFailure {
				t.Fatalf("exit %d, want %d\n%s%s", code, ExitFailure, out, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if strings.Contains(out, "ref.fx_rates") || strings.Contains(errs, "Binder Error") || strings.Contains(errs, "Conversion Error") {
				t.Errorf("the build ran:\n%s%s", out, errs)
			}
			if code, out, _ := elt(t, "--project", proj, "query", "--format", "csv", "SELECT count(*) AS n FROM elt.runs"); code == 0 && out != "n\n0\n" {
				t.Errorf("a run was recorded: %s", out)
			}
		})
	}
}

// TestSeedsReadAsSourcesAre: what the CSV reader of sources accepts a seed
// loads with the same values: quoted commas, doubled quotes, quoted line
// breaks, CRLF, lone CR, a byte-order mark, blank lines; a declared type
// that holds every value exactly is fine.
func TestSeedsReadAsSourcesAre(t *testing.T) {
	for _, tc := range []struct {
		name, text, config, want string
	}{
		{"quoting", "currency,rate,note\n\"EUR\",1.10,\"a, \"\"b\"\"\nc\"\nUSD,1,\n", "", "EUR|1.1|a, \"b\"\nc\nUSD|1.0|NULL\n"},
		{"crlf and bom", "\xEF\xBB\xBFcurrency,rate\r\nEUR,1.10\r\n\r\nUSD,1\r\n", "", "EUR|1.1|\nUSD|1.0|\n"},
		{"lone cr", "currency,rate\rEUR,1.10\rUSD,1\r", "", "EUR|1.1|\nUSD|1.0|\n"},
		{"exact declared types", "currency,rate\nEUR,2\nUSD,1.0\n", "  ref:\n    fx_rates:\n      column_types: {rate: INTEGER, currency: VARCHAR}\n", "EUR|2|\nUSD|1|\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proj := testutil.SeedProject(t, tc.text, tc.config)
			mustElt(t, "--project", proj, "build")
			q := "SELECT string_agg(concat_ws('|', currency, rate::VARCHAR, " + map[bool]string{true: "coalesce(note, 'NULL')", false: "''"}[tc.name == "quoting"] + "), chr(10) ORDER BY currency) || chr(10) AS r FROM ref.fx_rates"
			out := mustElt(t, "--project", proj, "query", "--format", "csv", q)
			got := strings.TrimPrefix(out, "r\n")
			got = strings.Trim(got, "\"\n") + "\n"
			if strings.ReplaceAll(got, "\"\"", "\"") != tc.want {
				t.Errorf("ref.fx_rates:\n%s\nwant\n%s", out, tc.want)
			}
			if out := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT count(*) AS n FROM gold.eur"); out != "n\n2\n" {
				t.Errorf("gold.eur joins %s", out)
			}
		})
	}
}

// TestSeedConfigForms: elt.yaml's seeds: is read in the README's nested
// form (seeds: {schema: {name: ...}}) and in the flat one (schema.name);
// a seed declared in both, and an unknown key, are errors at their line.
func TestSeedConfigForms(t *testing.T) {
	text := "currency,rate\nEUR,007\nUSD,1\n"
	for _, config := range []string{
		"  ref:\n    fx_rates:\n      description: FX rates\n      column_types: {rate: VARCHAR}\n",
		"  ref.fx_rates:\n    description: FX rates\n    column_types: {rate: VARCHAR}\n",
	} {
		proj := testutil.SeedProject(t, text, config)
		mustElt(t, "--project", proj, "build")
		if out := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT rate FROM ref.fx_rates ORDER BY currency"); out != "rate\n007\n1\n" {
			t.Errorf("%s: column_types not applied:\n%s", config, out)
		}
	}
	for _, tc := range []struct{ config, want string }{
		{"  ref:\n    fx_rates:\n      column_type: {rate: VARCHAR}\n", `elt.yaml:7:7: unknown key "column_type"`},
		{"  ref:\n    fx_rates: {}\n  ref.fx_rates: {}\n", "elt.yaml:7:3: seeds: ref.fx_rates is declared twice"},
		{"  ref: [fx_rates]\n", "elt.yaml:5:3: seeds: ref: expected the schema's seeds by name"},
		{"  ref:\n    gone: {}\n", "seeds: ref.gone has no file seeds/ref/gone.csv"},
	} {
		proj := testutil.SeedProject(t, text, tc.config)
		if code, _, errs := elt(t, "--project", proj, "build"); code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, want %q:\n%s", tc.config, code, tc.want, errs)
		}
	}
}
