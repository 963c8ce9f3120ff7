package engine

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/engine/load"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/sqlname"
)

// reconcile accounts in the engine for every record of each source, as a
// build in DuckDB does (check.Reconciliation): read = silver + superseded
// + quarantined, counted there, against the model elt reconciles the
// source with (check.Reconcilable), once published in the transaction.
func (b Build) reconcile(ctx context.Context, tx pgx.Tx) ([]check.Reconciliation, error) {
	rep := event.Or(b.Events)
	var out []check.Reconciliation
	bad := false
	for _, rc := range check.Reconcilable(ctx, b.Duck, b.Project, b.Graph, b.IDs, rep) {
		m := rc.Model
		r := check.Reconciliation{Source: rc.Source, Model: m.ID(), Filters: rc.Filters}
		distinct := "count(*)"
		if rc.Key != "" {
			distinct = fmt.Sprintf("count(DISTINCT %s)", sqlname.Ident(load.EngineName(rc.Key)))
		}
		err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT
			(SELECT coalesce(sum(records), 0) FROM elt.files WHERE source = $1)::BIGINT,
			(SELECT count(*) FROM silver.quarantine WHERE source = $1),
			(SELECT count(*) FROM %[1]s),
			(SELECT count(*) FROM %[2]s),
			(SELECT count(*) - %[3]s FROM %[2]s)`, sqlname.Qualified(m.Schema, m.Name), rc.Bronze, distinct), rc.Source).
			Scan(&r.Read, &r.Quarantined, &r.Silver, &r.Bronze, &r.Superseded)
		if err != nil {
			return out, fmt.Errorf("reconcile %s in the engine: %w", rc.Source, err)
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
