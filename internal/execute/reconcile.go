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
		if r.Silver, r.Bronze, r.Superseded, err = countKeys(ctx, tx, src); err != nil {
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

// countKeys counts a source's silver rows and bronze rows, and the bronze
// rows that share their key with another (superseded); without a declared
// key, every bronze row silver does not keep is superseded.
//
// Bronze only grows between full refreshes, each row stamped with the run
// that loaded it, so the distinct keys are those of the last balanced
// reconciliation plus the new rows' keys that no older row has. That holds
// while the rows up to that run are still the ones it counted (their number
// says so; a full refresh drops them all); else the whole table is counted.
// Over 2M rows, 0.04 s against 0.28 s.
func countKeys(ctx context.Context, tx warehouse.Querier, src ingest.Source) (silver, bronze, superseded int64, err error) {
	table, silverTable := src.Table(), warehouse.Qualified("silver", src.Name)
	if src.Key == "" {
		err = tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM %s), (SELECT count(*) FROM %s)`, silverTable, table)).Scan(&silver, &bronze)
		return silver, bronze, bronze - silver, err
	}
	key := warehouse.Ident(src.Key)
	run, last, err := state.LastBalanced(ctx, tx, src.Name)
	if err != nil {
		return 0, 0, 0, err
	}
	if run > 0 {
		var then, added int64
		err = tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM %[1]s), (SELECT count(*) FROM %[2]s),
			(SELECT count(*) FROM %[2]s WHERE _run_id <= %[4]d),
			(SELECT count(DISTINCT n.%[3]s) FROM %[2]s AS n WHERE n._run_id > %[4]d
				AND NOT EXISTS (SELECT 1 FROM %[2]s AS o WHERE o._run_id <= %[4]d AND o.%[3]s = n.%[3]s))`,
			silverTable, table, key, run)).Scan(&silver, &bronze, &then, &added)
		if err != nil || then == last.Bronze {
			return silver, bronze, bronze - (last.Bronze - last.Superseded + added), err
		}
	}
	err = tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM %s), (SELECT count(*) FROM %s), (SELECT count(*) - count(DISTINCT %s) FROM %s)`,
		silverTable, table, key, table)).Scan(&silver, &bronze, &superseded)
	return silver, bronze, superseded, err
}

// balances turns reconciliations into run-history rows.
func balances(rs []Reconciliation) []state.Balance {
	out := make([]state.Balance, len(rs))
	for i, r := range rs {
		out[i] = state.Balance{Source: r.Source, Read: r.Read, Silver: r.Silver, Superseded: r.Superseded, Quarantined: r.Quarantined, Bronze: r.Bronze, Balanced: r.OK()}
	}
	return out
}
