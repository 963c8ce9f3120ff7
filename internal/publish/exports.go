package publish

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Exporter writes the exports of a build (Exports), with what it is told
// of each export's history; either func may be nil (no export is then
// brought up to date by its changed keys, or none recorded).
type Exporter struct {
	// Changes says what changed in a model's rows after the run its export
	// last took, and false when that is not known or any row may have
	// (state.ExportChangesSince, given by pipeline).
	Changes func(ctx context.Context, model string) (Changes, bool, error)
	// Written records that a model's export holds its rows as of run
	// (state.ExportWritten).
	Written func(ctx context.Context, model string, run int64) error
}

// Exports writes the exports of the built models ids that ask for them,
// after a build's commit, each swapped in whole (or, on S3, published by
// its manifests: WriteLake), reported to rep. A model in unchanged (by
// lower-case ID: the version of the run whose rows this build left as
// they were, state.Runs.Version) keeps its folder's export when that holds
// those rows (Keep); one whose rows changed for some keys only has its CSV
// files brought up to date by those keys' records (Patch). version names
// this run; once a model's export holds its rows, that is recorded
// (Written). An error stops at the model that failed; its previous export
// is intact.
func (x Exporter) Exports(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string, runID int64, version string, unchanged map[string]string, rep event.Reporter) error {
	dir := p.Resolve(p.Config.Paths.Output)
	var st *lake.Store
	for _, id := range ids {
		m := g.Nodes[id].Model
		if m.Header.Export == nil || len(m.Header.Export.Formats) == 0 {
			continue
		}
		t0 := time.Now()
		var rows int64
		changed := int64(-1) // not brought up to date by its changed keys
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
				rows, changed, err = x.patch(ctx, db, m, dir, version, runID, rep)
			}
			if !kept && changed < 0 && err == nil {
				rows, err = Write(ctx, db, m, dir, version, runID)
			}
		}
		if published || err == nil {
			rep.Report(event.ExportWritten{Model: m.ID(), Formats: m.Header.Export.Formats, Rows: rows, Path: path, Seconds: time.Since(t0).Seconds(),
				Kept: kept, Patched: changed >= 0, Changed: max(changed, 0)})
		}
		if err == nil && x.Written != nil {
			// What the export holds now: the keys changed up to this run
			// are in it. Not recorded, the next export is written whole.
			if werr := x.Written(ctx, m.ID(), runID); werr != nil {
				rep.Report(event.Warning{Kind: "export_history", Text: fmt.Sprintf("%s: its export is in place, but recording which run it holds failed, so the next build writes it whole: %v", m.ID(), werr)})
			}
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

// patch is Patch with what changed since the run m's export last took
// (Changes). It returns how many keys changed, or -1 when the export is to
// be written whole instead: when Patch does not apply, or when reading the
// changes or Patch failed, which is reported to rep as a warning.
func (x Exporter) patch(ctx context.Context, db *warehouse.DB, m *project.Model, output, version string, runID int64, rep event.Reporter) (rows, changed int64, err error) {
	if x.Changes == nil || !slices.Contains(m.Header.Export.Formats, "csv") || m.Header.UniqueKey == "" {
		return 0, -1, nil
	}
	c, ok, err := x.Changes(ctx, m.ID())
	patched := false
	if err == nil && ok {
		rows, patched, err = Patch(ctx, db, m, output, c, version, runID)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return 0, -1, ctx.Err()
	case err != nil:
		rep.Report(event.Warning{Kind: "export_patch", Text: fmt.Sprintf("%s: its CSV export could not be brought up to date by its changed keys (%v); it is written whole", m.ID(), err)})
		return 0, -1, nil
	case !patched:
		return 0, -1, nil
	}
	return rows, c.Keys, nil
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
