package publish

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Exports writes the exports of the built models ids that ask for them,
// after a build's commit, each swapped in whole (or, on S3, published by
// its manifests: WriteLake), reported to rep. A model in unchanged (by
// lower-case ID: the version of the run whose rows this build left as
// they were, state.Runs.Version) keeps its folder's export when that holds
// those rows (Keep); version names this run. An error stops at the model
// that failed; its previous export is intact.
func Exports(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string, runID int64, version string, unchanged map[string]string, rep event.Reporter) error {
	dir := p.Resolve(p.Config.Paths.Output)
	var st *lake.Store
	for _, id := range ids {
		m := g.Nodes[id].Model
		if m.Header.Export == nil || len(m.Header.Export.Formats) == 0 {
			continue
		}
		t0 := time.Now()
		var rows int64
		var err error
		path, published, kept := Dir(dir, m), false, false
		switch {
		case lake.IsURL(dir):
			rows, path, published, err = exportToLake(ctx, db, p, &st, m, dir, runID)
		default:
			if since, ok := unchanged[strings.ToLower(m.ID())]; ok {
				rows, kept = Keep(ctx, db, m, dir, since, version)
			}
			if !kept {
				rows, err = Write(ctx, db, m, dir, version, runID)
			}
		}
		if published || err == nil {
			rep.Report(event.ExportWritten{Model: m.ID(), Formats: m.Header.Export.Formats, Rows: rows, Path: path, Seconds: time.Since(t0).Seconds(), Kept: kept})
		}
		if published && err != nil {
			return fmt.Errorf("the build was published and %s exported to %s, but deleting its superseded runs failed (the next export deletes them): %w", m.ID(), path, err)
		}
		if err != nil {
			what := "failed"
			if ctx.Err() != nil {
				what = "was interrupted"
			}
			return fmt.Errorf("the build was published, but exporting %s %s; its previous export is intact: %w", m.ID(), what, err)
		}
	}
	return nil
}

// exportToLake is WriteLake for output, an s3:// address, with the files
// written first under DuckDB's temp_directory (else the system's), and the
// client made once (*st).
func exportToLake(ctx context.Context, db *warehouse.DB, p *project.Project, st **lake.Store, m *project.Model, output string, runID int64) (rows int64, path string, published bool, err error) {
	u, err := lake.Parse(output)
	if err != nil {
		return 0, output, false, err
	}
	if *st == nil {
		if *st, err = lake.Connect(ctx, p.Config.Storage); err != nil {
			return 0, output, false, err
		}
	}
	tmp := p.Resolve(p.Config.DuckDB.TempDirectory)
	if tmp == "" {
		tmp = os.TempDir()
	}
	rows, manifest, published, err := WriteLake(ctx, db, *st, m, u, tmp, runID)
	return rows, manifest.String(), published, err
}
