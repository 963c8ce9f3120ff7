package inspect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/unit"
)

// TestOptions choose what elt test runs: the selected models' (all when
// Select and Exclude are empty) unit tests and data checks, or only one
// kind (Unit, Data).
type TestOptions struct {
	Select, Exclude []string
	Unit, Data      bool
}

// Tested counts what elt test ran and what failed.
type Tested struct {
	Ran        int
	UnitFailed int
	Blocking   int // blocking data checks that failed
}

// Test runs elt test, its results reported to rep: the unit tests in
// memory, then the data checks and sql/tests/ against what is published
// (skipped, with a note, while there is no warehouse); when there was
// nothing to run, it says so.
func Test(ctx context.Context, dir string, ov project.Overrides, o TestOptions, rep event.Reporter) (Tested, error) {
	var t Tested
	p, g, err := compile.Load(ctx, dir, ov)
	if err != nil {
		return t, err
	}
	if _, err := g.Select(o.Select, o.Exclude); err != nil {
		return t, &UsageError{err}
	}
	if !o.Data {
		n, failed, err := unit.RunSelected(ctx, p, g, o.Select, o.Exclude, rep)
		if err != nil {
			return t, err
		}
		t.Ran += n
		t.UnitFailed = failed
	}
	if !o.Unit {
		if err := compile.EmbeddedOnly(p, "elt test's data checks", "a build there runs them (run elt test --unit for the unit tests)"); err != nil {
			return t, err
		}
		if _, err := os.Stat(p.Resolve(p.Config.Paths.Warehouse)); errors.Is(err, os.ErrNotExist) && !o.Data {
			rep.Report(event.Info{Kind: "no_warehouse", Text: "data checks skipped: no warehouse yet (run elt build)"})
		} else {
			db, err := state.Open(ctx, p, state.ReadOnly)
			if err != nil {
				return t, err
			}
			defer db.Close()
			n, blocking, err := check.Test(ctx, db, p, g, o.Select, o.Exclude, rep)
			if err != nil {
				return t, err
			}
			t.Ran += n
			t.Blocking = blocking
		}
	}
	if t.Ran == 0 {
		rep.Report(event.Info{Kind: "nothing_declared", Text: "no tests or checks declared"})
	}
	return t, nil
}

// Failure says what failed, as elt test's error ("2 unit tests failed; 1
// blocking check failed"), or "" when nothing did.
func (t *Tested) Failure() string {
	var failures []string
	if t.UnitFailed > 0 {
		failures = append(failures, fmt.Sprintf("%d unit test%s failed", t.UnitFailed, diag.Plural(t.UnitFailed)))
	}
	if t.Blocking > 0 {
		failures = append(failures, fmt.Sprintf("%d blocking check%s failed", t.Blocking, diag.Plural(t.Blocking)))
	}
	return strings.Join(failures, "; ")
}
