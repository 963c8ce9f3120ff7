package execute

import (
	"context"
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Reconciliation accounts for every record of a source, over all files ever
// read: Read = Silver + Superseded + Quarantined.
type Reconciliation struct {
	Source      string
	Read        int64 // records in the files of the manifest
	Silver      int64 // rows in silver.<source>
	Superseded  int64 // records that lost to a later state of the same key
	Quarantined int64
	// Bronze is the number of records loaded (Read - Quarantined when
	// ingestion lost nothing).
	Bronze int64
}

// OK tells whether the counts balance.
func (r Reconciliation) OK() bool {
	return r.Read == r.Silver+r.Superseded+r.Quarantined && r.Read == r.Bronze+r.Quarantined
}

// ErrUnbalanced is returned when records went missing.
type ErrUnbalanced struct{ Rows []Reconciliation }

func (e *ErrUnbalanced) Error() string {
	var b strings.Builder
	b.WriteString("reconciliation failed: records were lost, nothing was published")
	for _, r := range e.Rows {
		if !r.OK() {
			fmt.Fprintf(&b, "\n  %s: read %d, but silver %d + superseded %d + quarantined %d = %d (bronze holds %d)",
				r.Source, r.Read, r.Silver, r.Superseded, r.Quarantined, r.Silver+r.Superseded+r.Quarantined, r.Bronze)
		}
	}
	b.WriteString("\n  a silver model must keep exactly one row per key of its bronze table")
	return b.String()
}

// reconcile counts each ingested source that has a silver model of the
// same name. Superseded records are those that share a key with another.
func reconcile(ctx context.Context, tx warehouse.Querier, sources []ingest.Source, ingested map[string]bool, g *plan.Graph) ([]Reconciliation, error) {
	var out []Reconciliation
	bad := false
	for _, src := range sources {
		silver := "silver." + strings.ToLower(src.Name)
		if !ingested[src.Name] || g.Nodes[silver] == nil {
			continue
		}
		r := Reconciliation{Source: src.Name}
		t, err := state.Count(ctx, tx, src.Name)
		if err != nil {
			return out, fmt.Errorf("reconcile %s: %w", src.Name, err)
		}
		r.Read, r.Quarantined = t.Read, t.Quarantined
		// Superseded: records that share their source's key with another;
		// without a declared key, every bronze row silver does not keep.
		superseded := "(SELECT count(*) FROM " + src.Table() + ") - (SELECT count(*) FROM " + warehouse.Qualified("silver", src.Name) + ")"
		if src.Key != "" {
			superseded = fmt.Sprintf("(SELECT count(*) - count(DISTINCT %s) FROM %s)", warehouse.Ident(src.Key), src.Table())
		}
		q := fmt.Sprintf(`SELECT (SELECT count(*) FROM %s), %s, (SELECT count(*) FROM %s)`,
			warehouse.Qualified("silver", src.Name), superseded, src.Table())
		if err := tx.QueryRowContext(ctx, q).Scan(&r.Silver, &r.Superseded, &r.Bronze); err != nil {
			return out, fmt.Errorf("reconcile %s: %w", src.Name, err)
		}
		bad = bad || !r.OK()
		out = append(out, r)
	}
	if bad {
		return out, &ErrUnbalanced{Rows: out}
	}
	return out, nil
}

// balances turns reconciliations into run-history rows.
func balances(rs []Reconciliation) []state.Balance {
	out := make([]state.Balance, len(rs))
	for i, r := range rs {
		out[i] = state.Balance{Source: r.Source, Read: r.Read, Silver: r.Silver, Superseded: r.Superseded, Quarantined: r.Quarantined, Bronze: r.Bronze, Balanced: r.OK()}
	}
	return out
}
