package publish

import (
	"context"

	"github.com/digitalservices/elt/internal/engine"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// EngineCheck refuses, before anything runs, a build in another engine
// that cannot be made (engine.Check).
func EngineCheck(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string) error {
	return engine.Check(ctx, db, p, g, ids)
}

// EngineBuild builds the models ids in the target's engine from what the
// build's run runID ingested into db (engine.Run).
func EngineBuild(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string, runID int64, args string, rep event.Reporter) (int, error) {
	dsn, err := engine.DSN(p)
	if err != nil {
		return 0, err
	}
	sum, err := engine.Run(ctx, engine.Build{Project: p, Graph: g, IDs: ids, Duck: db, RunID: runID, Args: args, Events: rep}, dsn)
	if err != nil {
		return 0, err
	}
	return sum.Models, nil
}
