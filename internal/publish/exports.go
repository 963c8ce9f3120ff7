package publish

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Exports writes the exports of the built models ids that ask for them,
// after a build's commit, each swapped in whole, with a line each on out.
// An error stops at the model that failed; its previous export is intact.
func Exports(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string, runID int64, out io.Writer) error {
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
		fmt.Fprintf(out, "export  %-36s %-11s %12s  %6.2fs  -> %s\n", m.ID(), strings.Join(m.Header.Export.Formats, "+"),
			fmt.Sprintf("%d rows", rows), time.Since(t0).Seconds(), Dir(dir, m))
	}
	return nil
}
