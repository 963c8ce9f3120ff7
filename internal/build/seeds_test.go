package build

import (
	"context"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestSeedsReadStrictly: a seed is read as CSV sources are (RFC 4180), and
// what a source would quarantine, an empty or header-only seed, and a value
// that its declared type would round or refuse are errors at the seed's
// path and line (showing the line) before anything runs: no run is
// recorded and no table is built. (cli's TestSeedsReadStrictly keeps
// elt build's exit code and stderr for one case.)
func TestSeedsReadStrictly(t *testing.T) {
	for _, tc := range []struct {
		name, text, config string
		want               []string
	}{
		{"unmatched quote", "currency,rate\n\"EUR,1.0\nUSD,1\n", "",
			[]string{"seeds/ref/fx_rates.csv:2: a quote opened on this line is never closed", `   2 | "EUR,1.0`}},
		{"text after a closing quote", "currency,rate\n\"EUR\"x,1.0\nUSD,1\n", "",
			[]string{"seeds/ref/fx_rates.csv:2: text follows a closing quote", `   2 | "EUR"x,1.0`}},
		{"a value too many", "currency,rate\nEUR,1.0,3\nUSD,1\n", "",
			[]string{"seeds/ref/fx_rates.csv:2: this record has 3 values, the header 2 columns", "   2 | EUR,1.0,3"}},
		{"not UTF-8", "currency,rate\nEUR,1.0\n\xffUSD,1\n", "",
			[]string{"seeds/ref/fx_rates.csv:3: this line is not valid UTF-8"}},
		{"empty", "", "", []string{"seeds/ref/fx_rates.csv: the seed is empty"}},
		{"header only", "currency,rate\r\n", "", []string{"seeds/ref/fx_rates.csv:1: the seed has a header but no record", "   1 | currency,rate"}},
		{"blank lines only", "\n  \n", "", []string{"seeds/ref/fx_rates.csv: the seed is empty"}},
		{"a column named twice", "currency,rate,Rate\nEUR,1,2\n", "", []string{`seeds/ref/fx_rates.csv:1: the header names column "Rate" twice`}},
		{"mixed line breaks", "currency,rate\nEUR,1.0\r\nUSD,1.1\rGBP,2\n", "",
			[]string{"seeds/ref/fx_rates.csv: DuckDB's read_csv cannot read the seed", "use one kind of line break"}},
		{"a space before a quote", "currency,rate\nEUR, \"1\"\n", "",
			[]string{`seeds/ref/fx_rates.csv:2: DuckDB's read_csv reads column rate of the record starting here as "1", the CSV reader as " \"1\""`, `   2 | EUR, "1"`}},
		{"rounded to its type", "currency,rate\nUSD,1\nEUR,0.92\n", "  ref:\n    fx_rates:\n      column_types: {rate: INTEGER}\n",
			[]string{`seeds/ref/fx_rates.csv:3: rate is "0.92", which its type INTEGER (elt.yaml's column_types) does not hold exactly: it would be 1`, "   3 | EUR,0.92"}},
		{"not of its type", "currency,rate\nUSD,1\nEUR,one\n", "  ref.fx_rates:\n    column_types: {rate: 'DECIMAL(10, 2)'}\n",
			[]string{`seeds/ref/fx_rates.csv:3: rate is "one", not a value of its type DECIMAL(10, 2)`}},
		{"too many decimals", "currency,rate\nUSD,1\nEUR,0.925\n", "  ref.fx_rates:\n    column_types: {rate: 'DECIMAL(4,2)'}\n",
			[]string{`seeds/ref/fx_rates.csv:3: rate is "0.925", which its type DECIMAL(4,2) (elt.yaml's column_types) does not hold exactly`, "it would be 0.93"}},
		{"a time in a date", "currency,rate,day\nUSD,1,2026-01-02\nEUR,2,2026-01-02 10:00\n", "  ref:\n    fx_rates:\n      column_types: {day: DATE}\n",
			[]string{`seeds/ref/fx_rates.csv:3: day is "2026-01-02 10:00", which its type DATE (elt.yaml's column_types) does not hold exactly`}},
		{"an unknown type", "currency,rate\nUSD,1\n", "  ref:\n    fx_rates:\n      column_types: {rate: INTEGR}\n",
			[]string{`elt.yaml: seeds: ref.fx_rates: column_types: rate: "INTEGR" is not a DuckDB type`}},
		{"a column the seed lacks", "currency,rate\nUSD,1\n", "  ref:\n    fx_rates:\n      column_types: {rte: DOUBLE}\n",
			[]string{"elt.yaml: seeds: ref.fx_rates: column_types names rte, which seeds/ref/fx_rates.csv has no column of"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proj := testutil.SeedProject(t, tc.text, tc.config)
			p, err := project.Load(proj, project.Overrides{})
			if err == nil {
				b := newBuilder(t, p)
				_, err = b.Run(context.Background(), Options{})
				if got := queryOne(t, b, "SELECT count(*) FROM elt.runs"); got != "0" {
					t.Errorf("%s runs were recorded", got)
				}
				if got := queryOne(t, b, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'ref' OR table_name = 'eur'"); got != "0" {
					t.Errorf("the build ran: %s tables built", got)
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "Binder Error") || strings.Contains(err.Error(), "Conversion Error") {
				t.Errorf("the build ran:\n%v", err)
			}
		})
	}
}
