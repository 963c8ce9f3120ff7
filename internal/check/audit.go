package check

import (
	"context"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Gate is a source's quarantine gate for one build: of the records it newly
// read, how many were quarantined, against the most it allows.
type Gate struct {
	Source            string
	RunID             int64
	Read, Quarantined int64
	MaxPct            float64
}

// Audit runs the checks a publication must pass: the sources' quarantine
// gates, the checks of the models ids (in order) and, when the selection is
// the whole project (or a build), the data tests of sql/tests/. A build runs
// it inside its transaction before the commit; `elt test` against what is
// published.
//
// since, in a build, tells of each model it brought up to date
// incrementally the keys the build touched: its unique checks look at those
// (Since); nil, or a nil *Since, checks the whole table.
func Audit(ctx context.Context, q warehouse.Querier, p *project.Project, g *plan.Graph, ids []string, gates []Gate, since func(context.Context, warehouse.Querier, *project.Model) (*Since, error)) ([]Result, error) {
	var out []Result
	for _, gt := range gates {
		out = append(out, Quarantine(ctx, q, gt.Source, gt.RunID, gt.Read, gt.Quarantined, gt.MaxPct))
	}
	for _, id := range ids {
		var from *Since
		if since != nil {
			var err error
			if from, err = since(ctx, q, g.Nodes[id].Model); err != nil {
				return out, err
			}
		}
		rs, err := Model(ctx, q, g.Nodes[id].Model, from)
		if err != nil {
			return out, err
		}
		out = append(out, rs...)
	}
	tests, err := DataTests(ctx, q, p.DataTests)
	return append(out, tests...), err
}

// Test audits what is published: the checks of the selected models, and
// the data tests when no selection narrows the run. It reports the results
// to r and returns how many checks ran and how many block.
func Test(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, sel, exclude []string, r event.Reporter) (ran, blocking int, err error) {
	ids, err := g.Select(sel, exclude)
	if err != nil {
		return 0, 0, err
	}
	var results []Result
	if len(sel) > 0 {
		for _, id := range ids {
			rs, err := Model(ctx, db, g.Nodes[id].Model, nil)
			if err != nil {
				return 0, 0, err
			}
			results = append(results, rs...)
		}
	} else if results, err = Audit(ctx, db, p, g, ids, nil, nil); err != nil {
		return 0, 0, err
	}
	if len(results) > 0 {
		Report(r, results)
	}
	return len(results), Blocking(results), nil
}
