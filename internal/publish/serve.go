package publish

import (
	"context"
	"fmt"
	"time"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/online"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Serve writes the changed rows of the built models ids with an online:
// section to the feature store, after a build's commit, reporting each to
// rep. A failed write does not fail the build (it is published): it is
// reported and returned as a warning; the rows stay pending and the next
// build writes them, so the store converges to the warehouse.
func Serve(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string, runID int64, rep event.Reporter) (warnings []string) {
	// Each is reported, and returned for watch, which says them on its line.
	warn := func(model, format string, args ...any) {
		text := diag.Redact(fmt.Sprintf(format, args...))
		warnings = append(warnings, "warning: "+text)
		rep.Report(event.OnlineWarning{Model: model, Text: text})
	}
	url := p.Config.Online.RedisURL
	var store *online.Store
	for _, id := range ids {
		m := g.Nodes[id].Model
		if m.Header.Online == nil {
			continue
		}
		if url == "" {
			why := "no Redis configured (online.redis_url in elt.yaml, --redis-url or ELT_REDIS_URL); its changed rows wait"
			warnings = append(warnings, fmt.Sprintf("online  %-36s not served: %s", m.ID(), why))
			rep.Report(event.OnlineSkipped{Model: m.ID(), Reason: why})
			continue
		}
		if store == nil {
			var err error
			if store, err = online.Open(url); err != nil {
				warn("", "Redis was not updated: %v", err)
				return warnings
			}
			defer store.Close()
		}
		t0 := time.Now()
		res, err := store.Publish(ctx, db, m, runID)
		if res.Resent {
			why := "Redis restarted empty, was flushed, or is another Redis"
			if ttl := m.Header.Online.TTL; ttl != "" {
				why = "its keys expired (online ttl " + ttl + "), or " + why
			}
			warn(m.ID(), "Redis did not hold the keys of %s (its marker %s is missing: %s); all its keys are written again", m.ID(), online.Marker(m), why)
		}
		if res.Unkeyed > 0 {
			warn(m.ID(), "%s", res.UnkeyedText(m))
		}
		if err != nil {
			warn(m.ID(), "Redis was not updated for %s: %v; the warehouse is published, and the next build writes its changed rows", m.ID(), err)
			continue
		}
		rep.Report(event.OnlinePublished{Model: m.ID(), Keys: res.Keys(), Written: res.Written, Deleted: res.Deleted, Seconds: time.Since(t0).Seconds()})
	}
	return warnings
}
