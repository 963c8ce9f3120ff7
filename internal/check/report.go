package check

import (
	"fmt"
	"io"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/output"
)

// Summary counts results.
func Summary(rs []Result) (passed, failed, warned int) {
	for _, r := range rs {
		switch {
		case r.Passed && r.Err == "":
			passed++
		case r.Severity == contract.Warn:
			warned++
		default:
			failed++
		}
	}
	return
}

// Report writes one line of totals, then every check that did not pass:
// what it checks, how many rows failed and their share, what was allowed,
// and up to five sample rows with their keys.
func Report(w io.Writer, rs []Result) {
	if len(rs) == 0 {
		return
	}
	passed, failed, warned := Summary(rs)
	fmt.Fprintf(w, "checks: %d passed, %d failed, %d warning%s\n", passed, failed, warned, output.Plural(warned))
	for _, r := range rs {
		if r.Passed && r.Err == "" {
			continue
		}
		tag := "FAIL"
		if r.Severity == contract.Warn {
			tag = "WARN"
		}
		fmt.Fprintf(w, "%s  %s  %s: ", tag, r.Target, r.Label)
		switch {
		case r.Err != "":
			fmt.Fprintf(w, "could not run: %s\n", r.Err)
		case r.Unit == "test":
			fmt.Fprintf(w, "returned %d row%s\n", r.Failing, output.Plural(int(r.Failing)))
		case r.Detail != "":
			fmt.Fprintf(w, "%s\n", r.Detail)
		default:
			unit, verb := "row", "fail"
			if r.Unit == "record" {
				unit, verb = "record", "quarantined"
			}
			fmt.Fprintf(w, "%d of %d %s%s %s (%.1f%%)", r.Failing, r.Total, unit, output.Plural(int(r.Total)), verb, 100*r.Share())
			if r.Allowed > 0 {
				fmt.Fprintf(w, ", at most %.1f%% allowed", 100*r.Allowed)
			}
			fmt.Fprintln(w)
		}
		if r.Samples != nil && len(r.Samples.Rows) > 0 {
			output.WritePlain(w, r.Samples, "      ")
		}
	}
}
