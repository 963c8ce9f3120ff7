package publish

import (
	"context"
	"fmt"
	"time"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Exports writes the exports of the built models ids that ask for them,
// after a build's commit, each swapped in whole, reported to rep.
// An error stops at the model that failed; its previous export is intact.
func Exports(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string, runID int64, rep event.Reporter) error {
	dir := p.Resolve(p.Config.Paths.Output)
	for _, id := range ids {
		m := g.Nodes[id].Model
		if m.Header.Export == nil || len(m.Header.Export.Formats) == 0 {
			continue
		}
		t0 := time.Now()
		rows, err := Write(ctx, db, m, dir, runID)
		if err != nil {
			what := "failed"
			if ctx.Err() != nil {
				what = "was interrupted"
			}
			return fmt.Errorf("the build was published, but exporting %s %s; its previous export is intact: %w", m.ID(), what, err)
		}
		rep.Report(event.ExportWritten{Model: m.ID(), Formats: m.Header.Export.Formats, Rows: rows, Path: Dir(dir, m), Seconds: time.Since(t0).Seconds()})
	}
	return nil
}
