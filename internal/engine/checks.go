package engine

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/sqlname"
)

// audit runs, in the engine, the checks of the built models (check.Plan's
// one query a model, translated) and the data tests of sql/tests/ when the
// build is the whole project, as a build in DuckDB does, and reports them.
func (b Build) audit(ctx context.Context, tx pgx.Tx, e dialect.Engine) ([]check.Result, error) {
	var out []check.Result
	opts := dialect.Options{Vars: b.Project.Config.Vars, Macros: compile.EngineMacros(b.Project)}
	count := func(query string) ([]int64, error) {
		sql, err := dialect.Translate(ctx, b.Duck, query, e, opts)
		if err != nil {
			return nil, err
		}
		rows, err := tx.Query(ctx, sql)
		if err != nil {
			return nil, err
		}
		vals, err := pgx.CollectExactlyOneRow(rows, func(r pgx.CollectableRow) ([]int64, error) {
			vals := make([]int64, len(r.FieldDescriptions()))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			return vals, r.Scan(ptrs...)
		})
		return vals, err
	}
	for _, id := range b.IDs {
		m := b.Graph.Nodes[id].Model
		query, finish := check.Plan(m, sqlname.Qualified(m.Schema, m.Name))
		if query == "" {
			continue
		}
		vals, err := count(query)
		if err != nil {
			return out, fmt.Errorf("the checks of %s in the engine: %w", m.ID(), err)
		}
		out = append(out, finish(vals)...)
	}
	if len(b.IDs) == len(b.Graph.Nodes) {
		for _, t := range b.Project.DataTests {
			r := check.Result{Target: t.Path, Label: "returns no rows", Severity: contract.Error, Unit: "test"}
			query, _ := compile.DataTestQuery(t)
			vals, err := count(query)
			if err != nil {
				r.Err = err.Error()
			} else {
				r.Failing = vals[0]
				r.Total, r.Passed = r.Failing, r.Failing == 0
			}
			out = append(out, r)
		}
	}
	check.Report(event.Or(b.Events), out)
	if n := check.Blocking(out); n > 0 {
		return out, &check.ChecksFailed{Failed: n, Engine: string(e)}
	}
	return out, nil
}
