package build

import (
	"context"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// How a model was built, as the run history records it: view, table, or for
// an incremental model whole ("full") or brought up to date ("incremental").
const (
	builtWhole       = "full"
	builtIncremental = string(project.Incremental)
)

// incremental tracks incremental models across one build.
type incremental struct {
	before map[string]state.ModelState // by model ID, before this build
	mode   map[string]string           // how each was built in this build
	// unchanged are the exported models this build left as they were, with
	// the version of the run that made their rows (keep).
	unchanged map[string]string
	runID     int64
	full      bool // --full-refresh
}

func loadIncremental(ctx context.Context, tx warehouse.Querier, runID int64, full bool) (*incremental, error) {
	before, err := state.ModelStates(ctx, tx)
	if err != nil {
		return nil, err
	}
	return &incremental{before: before, mode: map[string]string{}, unchanged: map[string]string{}, runID: runID, full: full}, nil
}

// plan decides how an incremental model is built now: whole ("full") when
// it does not exist yet, on --full-refresh, or when an input model did not
// change incrementally in step with it; otherwise "incremental".
func (inc *incremental) plan(g *plan.Graph, n *plan.Node, exists bool) (string, error) {
	m := n.Model
	var sources, models bool
	for _, r := range n.Refs {
		if g.Nodes[r.ID] != nil {
			models = true
		} else if strings.HasPrefix(r.ID, "bronze.") {
			sources = true
		}
	}
	switch {
	case sources && models:
		return "", headerError(m, "materialized", "an incremental model reads either bronze sources (merged by unique_key and order_by) or other models (recomputed by affected_keys), not both")
	case sources && strings.TrimSpace(m.Header.OrderBy) == "":
		return "", headerError(m, "materialized", "an incremental model that reads sources needs order_by: the ordering whose first row wins among rows with the same %s", m.Header.UniqueKey)
	case models && strings.TrimSpace(m.Header.AffectedKeys) == "":
		return "", headerError(m, "materialized", "an incremental model that reads other models needs affected_keys: a query returning the %s values to recompute", m.Header.UniqueKey)
	}
	for _, k := range m.Header.KeyedInputs {
		if !slices.Contains(n.Deps, strings.ToLower(k)) {
			return "", headerError(m, "keyed_inputs", "keyed_inputs names %s, which this model does not read", k)
		}
	}
	st := inc.before[n.ID()]
	if inc.full || !exists || st.LastRun == 0 || st.Fingerprint != compile.Fingerprint(m) {
		return builtWhole, nil
	}
	for _, d := range n.Deps {
		if inc.mode[d] != builtIncremental || inc.before[d].LastRun != st.LastRun {
			return builtWhole, nil
		}
	}
	return builtIncremental, nil
}

func headerError(m *project.Model, key, format string, args ...any) error {
	return headerAt(m, key+":", format, args...)
}

// headerAt places an error at the first place text occurs in the model
// file (1:1 when nowhere).
func headerAt(m *project.Model, text, format string, args ...any) error {
	line, col := 1, 1
	if i := strings.Index(m.Text, text); i >= 0 {
		line, col = diag.Position(m.Text, i)
	}
	return diag.At(m.Path, m.Text, line, col, format, args...)
}

// since is what this build changed in the model, for its checks: nil
// unless it was brought up to date incrementally (see check.Model).
func (inc *incremental) since(ctx context.Context, q warehouse.Querier, m *project.Model) (*check.Since, error) {
	if inc == nil || inc.mode[strings.ToLower(m.ID())] != builtIncremental || m.Header.UniqueKey == "" {
		return nil, nil
	}
	clean, err := state.CleanChecks(ctx, q, inc.before[strings.ToLower(m.ID())].LastRun, m.ID())
	if err != nil {
		return nil, err
	}
	return &check.Since{Changes: compile.ChangesTable(m), Clean: clean}, nil
}

// record stores that the model is up to date as of this run.
func (inc *incremental) record(ctx context.Context, tx warehouse.Querier, m *project.Model, mode string) error {
	return inc.recordAs(ctx, tx, m, mode, compile.Fingerprint(m))
}

// recordAs is record with the fingerprint given.
func (inc *incremental) recordAs(ctx context.Context, tx warehouse.Querier, m *project.Model, mode, fingerprint string) error {
	inc.mode[strings.ToLower(m.ID())] = mode
	return state.SaveModelState(ctx, tx, m.ID(), inc.runID, mode != builtIncremental, fingerprint)
}

// keep notes an exported model whose rows this build left as they were
// (brought up to date with an empty change set), with the version of the
// run that made them (state.Runs.Version), so that its export may be kept
// (publish.Keep).
func (inc *incremental) keep(ctx context.Context, tx warehouse.Querier, m *project.Model, mode string) error {
	id := strings.ToLower(m.ID())
	if m.Header.Export == nil || mode != builtIncremental || inc.before[id].LastRun == 0 {
		return nil
	}
	var changed bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+compile.ChangesTable(m).String()+")").Scan(&changed); err != nil || changed {
		return err
	}
	v, err := (state.Runs{DB: tx}).Version(ctx, inc.before[id].LastRun)
	if v != "" {
		inc.unchanged[id] = v
	}
	return err
}
