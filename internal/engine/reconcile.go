package engine

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/sqlname"
)

// reconcile accounts in the engine for every record of each source, as a
// build in DuckDB does (check.Reconciliation): read = silver + superseded
// + quarantined, counted there, against the model elt reconciles the
// source with (check.ReconciledBy), under its staging name.
func (b Build) reconcile(ctx context.Context, tx pgx.Tx) ([]check.Reconciliation, error) {
	rep := event.Or(b.Events)
	sources := ingest.Declared(b.Project.Config, b.Project.Resolve(b.Project.Config.Paths.Bronze))
	var out []check.Reconciliation
	bad := false
	for _, src := range sources {
		id, why := check.ReconciledBy(ctx, b.Duck, b.Graph, b.IDs, src)
		if id == "" {
			rep.Report(event.Warning{Kind: "not_reconciled", Source: src.Name, Text: fmt.Sprintf("%s: not reconciled: %s", src.Name, why)})
			continue
		}
		m := b.Graph.Nodes[id].Model
		r := check.Reconciliation{Source: src.Name, Model: m.ID(), Filters: check.Filters(ctx, b.Duck, m)}
		distinct := "count(*)"
		if src.Key != "" {
			distinct = fmt.Sprintf("count(DISTINCT %s)", sqlname.Ident(src.Key))
		}
		err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT
			(SELECT coalesce(sum(records), 0) FROM elt.files WHERE source = $1)::BIGINT,
			(SELECT count(*) FROM silver.quarantine WHERE source = $1),
			(SELECT count(*) FROM %[1]s),
			(SELECT count(*) FROM %[2]s),
			(SELECT count(*) - %[3]s FROM %[2]s)`, sqlname.Staging(m.Schema, m.Name), src.Table(), distinct), src.Name).
			Scan(&r.Read, &r.Quarantined, &r.Silver, &r.Bronze, &r.Superseded)
		if err != nil {
			return out, fmt.Errorf("reconcile %s in the engine: %w", src.Name, err)
		}
		if rest := r.Read - r.Silver - r.Superseded - r.Quarantined; rest > 0 && r.Read == r.Bronze+r.Quarantined && r.Filters {
			r.Filtered = rest
		}
		bad = bad || !r.OK()
		out = append(out, r)
	}
	if len(out) > 0 {
		rep.Report(event.Reconciliation{Sources: check.BalanceEvents(out)})
	}
	if bad {
		return out, &check.ErrUnbalanced{Rows: out}
	}
	return out, nil
}
