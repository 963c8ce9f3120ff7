package check

import (
	"testing"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/state"
)

// TestStatus: a result's status is one word, the same in the check_result
// event and in the run history.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Result
		want string
		row  state.CheckStatus
	}{
		{"passed", Result{Passed: true, Severity: contract.Error}, event.CheckPass, state.CheckPassed},
		{"failed, blocking", Result{Severity: contract.Error, Failing: 2}, event.CheckFail, state.CheckFailed},
		{"failed, warn", Result{Severity: contract.Warn, Failing: 2}, event.CheckWarn, state.CheckWarned},
		{"could not run", Result{Severity: contract.Warn, Err: "Binder Error", Detail: "d"}, event.CheckError, state.CheckBroken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Status(); got != tc.want {
				t.Errorf("Status() = %q, want %q", got, tc.want)
			}
			if got := Event(tc.r).Status; got != tc.want {
				t.Errorf("Event().Status = %q, want %q", got, tc.want)
			}
			row := Records([]Result{tc.r})[0]
			if row.Status != tc.row {
				t.Errorf("Records().Status = %q, want %q", row.Status, tc.row)
			}
			if tc.r.Err != "" && row.Detail != tc.r.Err {
				t.Errorf("Records().Detail = %q, want the error %q", row.Detail, tc.r.Err)
			}
		})
	}
}
