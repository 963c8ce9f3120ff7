package build

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/build/inputs"
	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// staging is what a build writes under staging names (sqlname.Staging), in
// transactions of their own that commit, before its last transaction
// publishes them by renaming: the bronze tables of the sources it loads
// whole (a first load, or a full refresh) and the tables of the models it
// builds whole from those alone. Committed, their rows are scanned on every
// core (DuckDB gives a scan one thread per 122,880 rows that other
// transactions can see); renamed, they are published with everything else
// of the build in one short transaction, and readers see all of it or none.
// A failed build drops them; a killed one leaves them to the next, which
// drops them before it starts (dropStaging). The manifest and quarantine
// rows of a staged load wait in state.StagedBooks, tables of the build's
// connection, until the last transaction copies them.
type staging struct {
	sources []ingest.Source // staged, in build order
	models  []string        // staged model IDs, in build order
	ids     map[string]bool // the sources' (bronze.name) and models' IDs staged
}

// planStaging chooses what the build stages. A source is staged when the
// build loads it whole: on --full-refresh, or when nothing of it was ever
// ingested (no manifest row, and no bronze row). Kafka sources are not
// (their offsets are kept with the data they read). A model is staged when
// it is a table (or an incremental model built whole) whose every input
// that this build writes is staged: it then reads the inputs' staging
// tables. Nothing is staged in a project with macros, which the last
// transaction creates (source checks and models may call them).
func (b *Builder) planStaging(ctx context.Context, q warehouse.Querier, g *plan.Graph, ids []string, sources []ingest.Source, o Options, inc *incremental) (*staging, error) {
	st := &staging{ids: map[string]bool{}}
	if len(b.Project.Macros) > 0 {
		// Source checks and models may call the project's macros, which the
		// last transaction creates.
		return st, nil
	}
	readers := readSources(g, ids, o)
	for _, src := range sources {
		id := "bronze." + strings.ToLower(src.Name)
		if !readers[id] || src.Kafka != nil {
			continue
		}
		if !o.FullRefresh {
			fresh, err := inputs.Fresh(ctx, q, src)
			if err != nil {
				return nil, err
			}
			if !fresh {
				continue
			}
		}
		src.Staged = true
		st.sources = append(st.sources, src)
		st.ids[id] = true
	}
	built := map[string]bool{}
	for _, id := range ids {
		built[id] = true
	}
	for _, id := range ids {
		n := g.Nodes[id]
		m := n.Model
		if m.Seed != "" || m.Header.Materialized == project.View {
			continue
		}
		inputs := true
		for _, r := range n.Refs {
			if g.Nodes[r.ID] != nil && !built[r.ID] {
				continue // a model this build does not write
			}
			inputs = inputs && st.ids[r.ID]
		}
		if !inputs {
			continue
		}
		if m.Header.Materialized == project.Incremental {
			kind, err := relationKind(ctx, q, m)
			if err != nil {
				return nil, err
			}
			// An error (a header's) is the model's to report when it runs.
			if mode, err := inc.plan(g, n, kind != ""); err != nil || mode != builtWhole {
				continue
			}
		}
		st.models = append(st.models, id)
		st.ids[id] = true
	}
	return st, nil
}

// stage loads the staged sources, in one transaction, and builds each
// staged model in one of its own, all under their staging names. Models are
// numbered first among the build's ids (done of them are built when it
// returns).
func (b *Builder) stage(ctx context.Context, conn *sql.Conn, statement func() float64, g *plan.Graph, ids []string, st *staging, listings ingest.Listings, o Options, sum *Summary, inc *incremental) (done int, err error) {
	if len(st.ids) == 0 {
		return 0, nil
	}
	defer func() {
		if err != nil {
			// What it staged is no one's now.
			dropStaging(context.WithoutCancel(ctx), conn)
		}
	}()
	if len(st.sources) > 0 {
		t0 := time.Now()
		err := inTx(ctx, conn, func(tx *sql.Tx) error {
			if err := state.StageBooks(ctx, tx); err != nil {
				return err
			}
			for _, src := range st.sources {
				var previous state.Manifest
				if o.FullRefresh {
					p, err := inputs.Refreshable(ctx, tx, src, listings, o.AcceptMissing)
					if err != nil {
						return err
					}
					previous = p
				}
				if err := b.load(ctx, conn, tx, src, listings, o, sum, previous); err != nil {
					return err
				}
			}
			return nil
		})
		b.trace(t0, "staged %d source%s", len(st.sources), diag.Plural(len(st.sources)))
		if err != nil {
			return 0, err
		}
		freeIngestion() // before the staged models
	}
	var later []string
	for _, id := range ids {
		if !st.ids[id] {
			later = append(later, id)
		}
	}
	return b.models(g, st.models, later, 0, len(ids), sum, statement, func(n *plan.Node) (rows int64, mode string, err error) {
		err = inTx(ctx, conn, func(tx *sql.Tx) error {
			rows, mode, err = b.stageModel(ctx, tx, n, st, inc)
			return err
		})
		return rows, mode, err
	})
}

// stageModel builds a model whole under its staging name; the last
// transaction publishes it (publish).
func (b *Builder) stageModel(ctx context.Context, tx warehouse.Querier, n *plan.Node, st *staging, inc *incremental) (int64, string, error) {
	m := n.Model
	mode := string(m.Header.Materialized)
	if m.Header.Materialized == project.Incremental {
		mode = builtWhole
		inc.mode[strings.ToLower(m.ID())] = mode // its dependents' plans read it
	}
	stmts, place, err := compile.Staged(n, func(id string) bool { return st.ids[id] })
	if err != nil {
		return 0, mode, err
	}
	table := sqlname.Staging(m.Schema, m.Name)
	dups := map[int]string{}
	if m.Header.Materialized == project.Incremental && !check.KeyChecked(m) {
		dups[len(stmts)-1] = compile.DuplicateKeys(m, table, "", 6)
	}
	if err := b.exec(ctx, tx, m, mode, stmts, place, dups, nil); err != nil {
		return 0, mode, err
	}
	var rows int64
	err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table.String()).Scan(&rows)
	return rows, mode, err
}

// publish puts what the build staged in place, in its last transaction:
// each staged table renamed over the one it replaces, and the manifest and
// quarantine rows of the staged sources in place of those they had.
func (b *Builder) publish(ctx context.Context, tx warehouse.Querier, g *plan.Graph, st *staging, inc *incremental) error {
	t0 := time.Now()
	defer func() {
		b.trace(t0, "publish %d staged table%s", len(st.sources)+len(st.models), diag.Plural(len(st.sources)+len(st.models)))
	}()
	if len(st.sources) > 0 {
		var names []string
		for _, src := range st.sources {
			names = append(names, src.Name)
			if err := rename(ctx, tx, "bronze", src.Name, "TABLE"); err != nil {
				return err
			}
		}
		if err := state.PublishStaged(ctx, tx, names); err != nil {
			return err
		}
	}
	for _, id := range st.models {
		m := g.Nodes[id].Model
		kind, err := relationKind(ctx, tx, m)
		if err != nil {
			return err
		}
		drop := "TABLE"
		if kind == "VIEW" {
			drop = "VIEW"
		}
		if err := rename(ctx, tx, m.Schema, m.Name, drop); err != nil {
			return err
		}
		if err := b.finishModel(ctx, tx, m, inc.mode[strings.ToLower(m.ID())], "", inc); err != nil {
			return err
		}
	}
	return nil
}

// rename drops schema.name (a drop kind, TABLE or VIEW, if there is one)
// and gives its staging table its name.
func rename(ctx context.Context, tx warehouse.Querier, schema, name, drop string) error {
	_, err := tx.ExecContext(ctx, fmt.Sprintf("DROP %s IF EXISTS %s CASCADE; ALTER TABLE %s RENAME TO %s",
		drop, sqlname.Qualified(schema, name), sqlname.Staging(schema, name), sqlname.Ident(name)))
	if err != nil {
		return fmt.Errorf("publish %s.%s: %w", schema, name, err)
	}
	return nil
}

// dropStaging drops every staging table in the warehouse, a killed
// build's, or this one's when it failed, and the connection's staged books.
func dropStaging(ctx context.Context, q warehouse.Querier) error {
	if err := state.DropStagedBooks(ctx, q); err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT schema_name, table_name FROM duckdb_tables()
		WHERE database_name = current_database() AND starts_with(table_name, ?)`, sqlname.StagingPrefix)
	if err != nil {
		return err
	}
	var drops []string
	for rows.Next() {
		var schema, name string
		if err := rows.Scan(&schema, &name); err != nil {
			rows.Close()
			return err
		}
		drops = append(drops, "DROP TABLE IF EXISTS "+sqlname.Qualified(schema, name).String())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range drops {
		if _, err := q.ExecContext(ctx, d); err != nil {
			return fmt.Errorf("drop what an earlier build staged: %w", err)
		}
	}
	return nil
}

// inTx runs f in a transaction of conn, committed when f succeeds.
func inTx(ctx context.Context, conn *sql.Conn, f func(*sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
