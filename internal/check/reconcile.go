package check

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Reconciliation accounts for every record of a source, over all files ever
// read: Read = Silver + Superseded + Quarantined (+ Filtered).
type Reconciliation struct {
	Source string
	// Model is the model reconciled against: silver.<source>, else the model
	// reading the source's bronze table whose unique_key is the source's key.
	Model       string
	Read        int64 // records in the files of the manifest
	Silver      int64 // rows in Model
	Superseded  int64 // records that lost to a later state of the same key
	Quarantined int64
	// Filtered are the keys Model leaves out on purpose: only a model whose
	// SQL filters (a WHERE or HAVING) may, and the build names it.
	Filtered int64
	// Filters tells whether Model's SQL filters rows (WHERE or HAVING).
	Filters bool
	// Bronze is the number of records loaded (Read - Quarantined when
	// ingestion lost nothing).
	Bronze int64
	Key    string // the source's key, which Superseded was counted by
}

// OK tells whether the counts balance.
func (r Reconciliation) OK() bool {
	if r.Filtered < 0 || (r.Filtered > 0 && !r.Filters) {
		return false
	}
	return r.Read == r.Silver+r.Superseded+r.Quarantined+r.Filtered && r.Read == r.Bronze+r.Quarantined
}

// ErrUnbalanced is returned when records went missing.
type ErrUnbalanced struct{ Rows []Reconciliation }

// Blocked tells that a gate refused publication (the run's status is
// blocked, not failed).
func (e *ErrUnbalanced) Blocked() bool { return true }

func (e *ErrUnbalanced) Error() string {
	var b strings.Builder
	b.WriteString("reconciliation failed: records were lost, nothing was published")
	for _, r := range e.Rows {
		if !r.OK() {
			fmt.Fprintf(&b, "\n  %s: read %d, but %s %d + superseded %d + quarantined %d = %d (bronze holds %d)",
				r.Source, r.Read, r.Model, r.Silver+r.Filtered, r.Superseded, r.Quarantined, r.Silver+r.Filtered+r.Superseded+r.Quarantined, r.Bronze)
		}
	}
	b.WriteString("\n  the model that keys a source must keep exactly one row per key of its bronze table")
	return b.String()
}

// reconcileWith is the model a source is reconciled against, or why it is
// not reconciled ("" and a reason). Records are accounted for by the model
// that keeps one row per record: silver.<source> when it reads the source
// (as before), else the one model reading bronze.<source> directly whose
// unique_key is the source's key (preferring, of several, one that does
// not filter, then by name). Other models reading the source derive from
// the same records and are not reconciled.
func reconcileWith(g *plan.Graph, ids []string, src ingest.Source, filters func(*plan.Node) bool) (string, string) {
	table := "bronze." + strings.ToLower(src.Name)
	reads := func(n *plan.Node) bool {
		return slices.ContainsFunc(n.Refs, func(r plan.Ref) bool { return r.ID == table })
	}
	id := ""
	if n := g.Nodes["silver."+strings.ToLower(src.Name)]; n != nil && reads(n) {
		id = n.ID()
	} else {
		var readers, keyed []string
		for _, nid := range g.Order {
			n := g.Nodes[nid]
			if !reads(n) {
				continue
			}
			readers = append(readers, n.Model.ID())
			if src.Key != "" && strings.EqualFold(n.Model.Header.UniqueKey, src.Key) {
				keyed = append(keyed, nid)
			}
		}
		slices.Sort(keyed)
		slices.SortStableFunc(keyed, func(a, b string) int {
			fa, fb := filters(g.Nodes[a]), filters(g.Nodes[b])
			switch {
			case fa == fb:
				return 0
			case fb:
				return -1
			}
			return 1
		})
		switch {
		case len(keyed) > 0:
			id = keyed[0]
		case src.Key == "":
			return "", fmt.Sprintf("it declares no key in elt.yaml, so no model can be said to keep one row per record; add key: <field> to the source, and give the model that keeps one row per record that unique_key (%s read%s bronze.%s)",
				strings.Join(readers, ", "), map[bool]string{true: "s", false: ""}[len(readers) == 1], src.Name)
		default:
			return "", fmt.Sprintf("no model reading bronze.%s has unique_key: %s, the source's key (%s read%s it); give the model that keeps one row per %s that unique_key, or name it silver.%s",
				src.Name, src.Key, strings.Join(readers, ", "), map[bool]string{true: "s", false: ""}[len(readers) == 1], src.Key, src.Name)
		}
	}
	if !slices.Contains(ids, id) {
		return "", fmt.Sprintf("%s, which keeps its records, is not selected in this build; the next build of it reconciles them", g.Nodes[id].Model.ID())
	}
	return id, ""
}

// Reconciled is a source and the model it is reconciled against: what a
// build in another engine counts there.
type Reconciled struct {
	Source string
	// Key is the source's key ("" for none), Bronze its table.
	Key    string
	Bronze sqlname.Relation
	Model  *project.Model
	// Filters tells whether the model's SQL filters (WHERE or HAVING).
	Filters bool
}

// Reconcilable pairs each of p's sources with the model among ids it is
// reconciled against, by the rule of Reconcile; a source that is not is
// reported to rep as a warning with the reason. q parses the models.
func Reconcilable(ctx context.Context, q warehouse.Querier, p *project.Project, g *plan.Graph, ids []string, rep event.Reporter) []Reconciled {
	var out []Reconciled
	for _, src := range ingest.Declared(p.Config, p.Resolve(p.Config.Paths.Bronze)) {
		id, why := reconcileWith(g, ids, src, func(n *plan.Node) bool { return modelFilters(ctx, q, n.Model) })
		if id == "" {
			rep.Report(event.Warning{Kind: "not_reconciled", Source: src.Name, Text: fmt.Sprintf("%s: not reconciled: %s", src.Name, why)})
			continue
		}
		m := g.Nodes[id].Model
		out = append(out, Reconciled{Source: src.Name, Key: src.Key, Bronze: src.Table(), Model: m, Filters: modelFilters(ctx, q, m)})
	}
	return out
}

// Reconcile counts each ingested source against the model that keeps one
// row per record (reconcileWith); a source that cannot be is reported as a
// warning with the reason. Superseded records are those that share a key with
// another; records the model filters out on purpose are named with it.
func Reconcile(ctx context.Context, tx warehouse.Querier, rep event.Reporter, sources []ingest.Source, ingested map[string]bool, g *plan.Graph, ids []string) ([]Reconciliation, error) {
	var out []Reconciliation
	bad := false
	filtered := map[string]bool{}
	filters := func(n *plan.Node) bool {
		v, ok := filtered[n.ID()]
		if !ok {
			v = modelFilters(ctx, tx, n.Model)
			filtered[n.ID()] = v
		}
		return v
	}
	for _, src := range sources {
		if !ingested[src.Name] {
			continue
		}
		id, why := reconcileWith(g, ids, src, filters)
		if id == "" {
			rep.Report(event.Warning{Kind: "not_reconciled", Source: src.Name, Text: fmt.Sprintf("%s: not reconciled: %s", src.Name, why)})
			continue
		}
		m := g.Nodes[id].Model
		r := Reconciliation{Source: src.Name, Model: m.ID(), Key: src.Key}
		t, err := state.Count(ctx, tx, src.Name)
		if err != nil {
			return out, fmt.Errorf("reconcile %s: %w", src.Name, err)
		}
		r.Read, r.Quarantined = t.Read, t.Quarantined
		if r.Silver, r.Bronze, r.Superseded, err = countKeysIn(ctx, tx, src, sqlname.Qualified(m.Schema, m.Name)); err != nil {
			return out, fmt.Errorf("reconcile %s: %w", src.Name, err)
		}
		if rest := r.Read - r.Silver - r.Superseded - r.Quarantined; rest != 0 && r.Read == r.Bronze+r.Quarantined && filters(g.Nodes[id]) {
			r.Filters = true
			if rest > 0 {
				r.Filtered = rest
			}
		}
		bad = bad || !r.OK()
		out = append(out, r)
	}
	if bad {
		return out, &ErrUnbalanced{Rows: out}
	}
	return out, nil
}

// modelFilters tells whether a model's SQL has a WHERE or HAVING anywhere
// (by DuckDB's syntax tree): whether it may leave records out on purpose.
func modelFilters(ctx context.Context, q warehouse.Querier, m *project.Model) bool {
	node, err := warehouse.SelectTree(ctx, q, m.Body)
	if err != nil {
		return false
	}
	var tree any
	if json.Unmarshal(node, &tree) != nil {
		return false
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range []string{"where_clause", "having"} {
				if c, ok := x[k]; ok && c != nil {
					return true
				}
			}
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(tree)
}

// countKeys counts a source's silver rows and bronze rows, and the bronze
// rows that share their key with another (superseded); without a declared
// key, every bronze row silver does not keep is superseded.
//
// Bronze only grows between full refreshes, each row stamped with the run
// that loaded it, so the distinct keys are those of the last balanced
// reconciliation plus the new rows' keys that no older row has. That holds
// while the rows up to that run are still the ones it counted (their number
// says so; a full refresh drops them all) by the same key; else the whole
// table is counted.
// Over 2M rows, 0.04 s against 0.28 s.
func countKeys(ctx context.Context, tx warehouse.Querier, src ingest.Source) (silver, bronze, superseded int64, err error) {
	return countKeysIn(ctx, tx, src, sqlname.Qualified("silver", src.Name))
}

// countKeysIn is countKeys with the rows of silverTable (qualified) as the
// source's silver rows.
func countKeysIn(ctx context.Context, tx warehouse.Querier, src ingest.Source, silverTable sqlname.Relation) (silver, bronze, superseded int64, err error) {
	table := src.Table()
	if src.Key == "" {
		err = tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM %s), (SELECT count(*) FROM %s)`, silverTable, table)).Scan(&silver, &bronze)
		return silver, bronze, bronze - silver, err
	}
	key := sqlname.Ident(src.Key)
	run, last, err := state.LastBalanced(ctx, tx, src.Name)
	if err != nil {
		return 0, 0, 0, err
	}
	if run > 0 && strings.EqualFold(last.Key, src.Key) {
		// Counted first: after a full refresh no row is that run's, and the
		// new keys (2.7 s at 10M events) are not worth counting.
		var then, added int64
		err = tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s WHERE _run_id <= %d`, table, run)).Scan(&then)
		if err != nil {
			return 0, 0, 0, err
		}
		if then == last.Bronze {
			err = tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM %[1]s), (SELECT count(*) FROM %[2]s),
				(SELECT count(DISTINCT n.%[3]s) FROM %[2]s AS n WHERE n._run_id > %[4]d
					AND NOT EXISTS (SELECT 1 FROM %[2]s AS o WHERE o._run_id <= %[4]d AND o.%[3]s = n.%[3]s))`,
				silverTable, table, key, run)).Scan(&silver, &bronze, &added)
			return silver, bronze, bronze - (last.Bronze - last.Superseded + added), err
		}
	}
	err = tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM %s), (SELECT count(*) FROM %s), (SELECT count(*) - count(DISTINCT %s) FROM %s)`,
		silverTable, table, key, table)).Scan(&silver, &bronze, &superseded)
	return silver, bronze, superseded, err
}

// Balances turns reconciliations into run-history rows.
func Balances(rs []Reconciliation) []state.Balance {
	out := make([]state.Balance, len(rs))
	for i, r := range rs {
		out[i] = state.Balance{Source: r.Source, Read: r.Read, Silver: r.Silver, Superseded: r.Superseded, Quarantined: r.Quarantined, Bronze: r.Bronze, Balanced: r.OK(), Key: r.Key}
	}
	return out
}

// BalanceEvents are reconciliations as the build's reconciliation event
// says them.
func BalanceEvents(rs []Reconciliation) []event.Balance {
	out := make([]event.Balance, len(rs))
	for i, r := range rs {
		out[i] = event.Balance{Source: r.Source, Model: r.Model, Read: r.Read, Silver: r.Silver, Superseded: r.Superseded,
			Quarantined: r.Quarantined, Filtered: r.Filtered, Bronze: r.Bronze, Balanced: r.OK()}
	}
	return out
}
