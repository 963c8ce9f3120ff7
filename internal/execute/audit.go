package execute

import (
	"context"

	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/ingest"
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

// gates are the quarantine gates of the sources a build read records from.
func gates(sources []ingest.Source, sum *Summary) []Gate {
	var out []Gate
	for _, res := range sum.Ingest {
		for _, src := range sources {
			if src.Name == res.Source && res.Records > 0 {
				out = append(out, Gate{Source: src.Name, RunID: sum.RunID, Read: res.Records, Quarantined: res.Quarantined, MaxPct: *src.MaxQuarantinePct})
			}
		}
	}
	return out
}

// Audit runs the checks a publication must pass: the sources' quarantine
// gates, the checks of the models ids (in order) and, when the selection is
// the whole project (or a build), the data tests of sql/tests/. A build runs
// it inside its transaction before the commit; `elt test` against what is
// published.
//
// inc, in a build, tells which models it brought up to date incrementally:
// their unique checks look at the keys the build touched (check.Since).
func Audit(ctx context.Context, q warehouse.Querier, p *project.Project, g *plan.Graph, ids []string, gates []Gate, inc *incremental) ([]check.Result, error) {
	var out []check.Result
	for _, gt := range gates {
		out = append(out, check.Quarantine(ctx, q, gt.Source, gt.RunID, gt.Read, gt.Quarantined, gt.MaxPct))
	}
	for _, id := range ids {
		since, err := inc.since(ctx, q, g.Nodes[id].Model)
		if err != nil {
			return out, err
		}
		rs, err := check.Model(ctx, q, g.Nodes[id].Model, since)
		if err != nil {
			return out, err
		}
		out = append(out, rs...)
	}
	tests, err := check.DataTests(ctx, q, p.DataTests)
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
	var results []check.Result
	if len(sel) > 0 {
		for _, id := range ids {
			rs, err := check.Model(ctx, db, g.Nodes[id].Model, nil)
			if err != nil {
				return 0, 0, err
			}
			results = append(results, rs...)
		}
	} else if results, err = Audit(ctx, db, p, g, ids, nil, nil); err != nil {
		return 0, 0, err
	}
	if len(results) > 0 {
		check.Report(r, results)
	}
	return len(results), check.Blocking(results), nil
}
