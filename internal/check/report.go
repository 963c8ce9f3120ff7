package check

import (
	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/state"
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

// Report tells r the totals, then each check's result: what it checks,
// how many rows failed of how many, what was allowed, and up to five sample
// rows with their keys.
func Report(r event.Reporter, rs []Result) {
	if len(rs) == 0 {
		return
	}
	passed, failed, warned := Summary(rs)
	r.Report(event.Checks{Passed: passed, Failed: failed, Warnings: warned})
	for _, res := range rs {
		r.Report(Event(res))
	}
}

// Status is how the check fared: pass, fail, warn (failed, severity
// warn) or error (could not run), as the check_result event and the run
// history say it.
func (r Result) Status() string {
	switch {
	case r.Err != "":
		return event.CheckError
	case !r.Passed && r.Severity == contract.Warn:
		return event.CheckWarn
	case !r.Passed:
		return event.CheckFail
	}
	return event.CheckPass
}

// Records are results as run-history rows.
func Records(rs []Result) []state.CheckRecord {
	out := make([]state.CheckRecord, len(rs))
	for i, r := range rs {
		detail := r.Detail
		if r.Err != "" {
			detail = r.Err
		}
		out[i] = state.CheckRecord{Target: r.Target, Check: r.Label, Severity: string(r.Severity), Status: state.CheckStatus(r.Status()), Detail: detail,
			Failing: r.Failing, Total: r.Total, Share: r.Share()}
	}
	return out
}

// Event is a result as the check_result event says it.
func Event(r Result) event.CheckResult {
	status := r.Status()
	unit := r.Unit
	if unit == "" {
		unit = "row"
	}
	return event.CheckResult{Target: r.Target, Check: r.Label, Severity: string(r.Severity), Status: status, Passed: r.Passed && r.Err == "",
		Blocking: r.Blocking(), Failing: r.Failing, Total: r.Total, Unit: unit, Allowed: r.Allowed, Detail: r.Detail, Error: r.Err, Samples: table(r.Samples)}
}

// table is a sample of rows as text.
func table(r *output.Result) *event.Table {
	if r == nil || len(r.Rows) == 0 {
		return nil
	}
	t := &event.Table{Columns: r.Columns, Types: r.Types, Rows: make([][]*string, len(r.Rows))}
	for i, row := range r.Rows {
		t.Rows[i] = make([]*string, len(row))
		for j, v := range row {
			if s, ok := output.Text(v, r.Types[j]); ok {
				t.Rows[i][j] = &s
			}
		}
	}
	return t
}
