package execute

import (
	"context"
	"fmt"
	"time"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/online"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
)

// serve writes the changed rows of the built models with an online:
// section to the feature store, after the commit. A failed write does not
// fail the build (it is published); the rows stay pending and the next
// build writes them, so the store converges to the warehouse.
func (b *Builder) serve(ctx context.Context, g *plan.Graph, ids []string, sum *Summary) {
	runID := sum.RunID
	// Each is reported, and kept for watch, which says them on its line.
	warn := func(model, format string, args ...any) {
		text := project.Redact(fmt.Sprintf(format, args...))
		sum.Warnings = append(sum.Warnings, "warning: "+text)
		b.report(event.OnlineWarning{Model: model, Text: text})
	}
	url := b.Project.Config.Online.RedisURL
	var store *online.Store
	for _, id := range ids {
		m := g.Nodes[id].Model
		if m.Header.Online == nil {
			continue
		}
		if url == "" {
			why := "no Redis configured (online.redis_url in elt.yaml, --redis-url or ELT_REDIS_URL); its changed rows wait"
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("online  %-36s not served: %s", m.ID(), why))
			b.report(event.OnlineSkipped{Model: m.ID(), Reason: why})
			continue
		}
		if store == nil {
			var err error
			if store, err = online.Open(url); err != nil {
				warn("", "Redis was not updated: %v", err)
				return
			}
			defer store.Close()
		}
		t0 := time.Now()
		res, err := store.Publish(ctx, b.DB, m, runID)
		if res.Resent {
			why := "Redis restarted empty, was flushed, or is another Redis"
			if ttl := m.Header.Online.TTL; ttl != "" {
				why = "its keys expired (online ttl " + ttl + "), or " + why
			}
			warn(m.ID(), "Redis did not hold the keys of %s (its marker %s is missing: %s); all its keys are written again", m.ID(), online.Marker(m), why)
		}
		if res.Unkeyed > 0 {
			warn(m.ID(), "%s row%s of %s %s no %s and %s not served (a NULL unique_key has no Redis key)",
				output.Count(res.Unkeyed), output.Plural(int(res.Unkeyed)), m.ID(), hasHave(res.Unkeyed), m.Header.UniqueKey, isAre(res.Unkeyed))
		}
		if err != nil {
			warn(m.ID(), "Redis was not updated for %s: %v; the warehouse is published, and the next build writes its changed rows", m.ID(), err)
			continue
		}
		b.report(event.OnlinePublished{Model: m.ID(), Keys: res.Keys(), Written: res.Written, Deleted: res.Deleted, Seconds: time.Since(t0).Seconds()})
	}
}

func hasHave(n int64) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

func isAre(n int64) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
