package build

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// ChangesTable names the change set of a model built incrementally: a
// temporary table changes_<schema>__<name> holding the model's rows before
// and after this build, for the keys the build touched. Downstream models
// read it in affected_keys. Being temporary, it lives only on the build's
// connection and is never stored in the warehouse.
func ChangesTable(m *project.Model) string {
	return warehouse.Ident(strings.ToLower("changes_" + m.Schema + "__" + m.Name))
}

// incremental tracks incremental models across one build.
type incremental struct {
	before map[string]int64  // model ID -> last_run_id before this build
	prints map[string]string // model ID -> fingerprint it was built with
	mode   map[string]string
	runID  int64
	full   bool // --full-refresh
}

func loadIncremental(ctx context.Context, tx *sql.Tx, runID int64, full bool) (*incremental, error) {
	inc := &incremental{before: map[string]int64{}, prints: map[string]string{}, mode: map[string]string{}, runID: runID, full: full}
	rows, err := tx.QueryContext(ctx, `SELECT lower(model), last_run_id, fingerprint FROM elt.model_state`)
	if err != nil {
		return nil, fmt.Errorf("read model state: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m, fp string
		var id int64
		if err := rows.Scan(&m, &id, &fp); err != nil {
			return nil, err
		}
		inc.before[m] = id
		inc.prints[m] = fp
	}
	return inc, rows.Err()
}

// plan decides how an incremental model is built now: whole ("full") when
// it does not exist yet, on --full-refresh, or when an input model did not
// change incrementally in step with it; otherwise "incremental".
func (inc *incremental) plan(g *plan.Graph, n *plan.Node, exists bool) (string, error) {
	m := n.Model
	var sources, models bool
	for _, r := range n.Refs {
		if g.Nodes[r.ID] != nil {
			models = true
		} else if strings.HasPrefix(r.ID, "bronze.") {
			sources = true
		}
	}
	switch {
	case sources && models:
		return "", headerError(m, "materialized", "an incremental model reads either bronze sources (merged by unique_key and order_by) or other models (recomputed by affected_keys), not both")
	case sources && strings.TrimSpace(m.Header.OrderBy) == "":
		return "", headerError(m, "materialized", "an incremental model that reads sources needs order_by: the ordering whose first row wins among rows with the same %s", m.Header.UniqueKey)
	case models && strings.TrimSpace(m.Header.AffectedKeys) == "":
		return "", headerError(m, "materialized", "an incremental model that reads other models needs affected_keys: a query returning the %s values to recompute", m.Header.UniqueKey)
	}
	for _, k := range m.Header.KeyedInputs {
		if !slices.Contains(n.Deps, strings.ToLower(k)) {
			return "", headerError(m, "keyed_inputs", "keyed_inputs names %s, which this model does not read", k)
		}
	}
	last := inc.before[n.ID()]
	if inc.full || !exists || last == 0 || inc.prints[n.ID()] != Fingerprint(m) {
		return "full", nil
	}
	for _, d := range n.Deps {
		if inc.mode[d] != "incremental" || inc.before[d] != last {
			return "full", nil
		}
	}
	return "incremental", nil
}

func headerError(m *project.Model, key, format string, args ...any) error {
	line, col := 1, 1
	if i := strings.Index(m.Text, key+":"); i >= 0 {
		line, col = project.Position(m.Text, i)
	}
	return project.At(m.Path, m.Text, line, col, format, args...)
}

// IncrementalStatements are the statements that bring an incremental model
// up to date: new source rows (ingested after run lastRun) merged by key, or
// the affected keys recomputed.
func IncrementalStatements(g *plan.Graph, n *plan.Node, lastRun int64) ([]string, error) {
	m := n.Model
	target := warehouse.Qualified(m.Schema, m.Name)
	key := warehouse.Ident(m.Header.UniqueKey)
	changes := ChangesTable(m)
	stmts := []string{"SET schema = " + warehouse.Literal(m.Schema)}
	if strings.TrimSpace(m.Header.AffectedKeys) == "" {
		body, err := n.Rewrite(func(id string) string {
			if g.Nodes[id] != nil || !strings.HasPrefix(id, "bronze.") {
				return ""
			}
			return fmt.Sprintf("(SELECT * FROM %s WHERE _run_id > %d)", warehouse.Qualified("bronze", id[len("bronze."):]), lastRun)
		})
		if err != nil {
			return nil, err
		}
		return append(stmts,
			"CREATE OR REPLACE TEMP TABLE elt_new AS "+trimBody(body),
			fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT * FROM %s WHERE %s IN (SELECT %s FROM elt_new)", changes, target, key, key),
			fmt.Sprintf("DELETE FROM %s WHERE %s IN (SELECT %s FROM elt_new)", target, key, key),
			fmt.Sprintf("INSERT INTO %s BY NAME SELECT * FROM (SELECT * FROM %s UNION ALL BY NAME SELECT * FROM elt_new) AS candidates\n"+
				"QUALIFY row_number() OVER (PARTITION BY %s ORDER BY %s\n) = 1", target, changes, key, m.Header.OrderBy),
			fmt.Sprintf("INSERT INTO %s BY NAME SELECT * FROM %s WHERE %s IN (SELECT %s FROM elt_new)", changes, target, key, key),
			"DROP TABLE elt_new",
		), nil
	}
	keyed := map[string]bool{}
	for _, k := range m.Header.KeyedInputs {
		keyed[strings.ToLower(k)] = true
	}
	body, err := n.Rewrite(func(id string) string {
		if !keyed[id] {
			return ""
		}
		schema, name, _ := strings.Cut(id, ".")
		return fmt.Sprintf("(SELECT * FROM %s WHERE %s IN (SELECT k FROM elt_keys))", warehouse.Qualified(schema, name), key)
	})
	if err != nil {
		return nil, err
	}
	return append(stmts,
		"CREATE OR REPLACE TEMP TABLE elt_keys AS SELECT DISTINCT k FROM ("+trimBody(m.Header.AffectedKeys)+"\n) AS affected(k)",
		fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT * FROM %s WHERE %s IN (SELECT k FROM elt_keys)", changes, target, key),
		fmt.Sprintf("DELETE FROM %s WHERE %s IN (SELECT k FROM elt_keys)", target, key),
		fmt.Sprintf("INSERT INTO %s BY NAME SELECT * FROM (%s) AS model WHERE %s IN (SELECT k FROM elt_keys)", target, trimBody(body), key),
		fmt.Sprintf("INSERT INTO %s BY NAME SELECT * FROM %s WHERE %s IN (SELECT k FROM elt_keys)", changes, target, key),
		"DROP TABLE elt_keys",
	), nil
}

func trimBody(s string) string { return strings.TrimRight(s, " \t\r\n;") }

// record stores that the model is up to date as of this run.
func (inc *incremental) record(ctx context.Context, tx *sql.Tx, m *project.Model, mode string) error {
	id := strings.ToLower(m.ID())
	inc.mode[id] = mode
	full := inc.runID
	if mode == "incremental" {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(full_run_id), 0) FROM elt.model_state WHERE lower(model) = ?`, id).Scan(&full); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM elt.model_state WHERE lower(model) = ?`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO elt.model_state VALUES (?, ?, ?, ?)`, m.ID(), inc.runID, full, Fingerprint(m))
	return err
}

// Fingerprint identifies what an incremental model's rows were built by:
// its SQL and the settings that shape its merge. Comments and spacing count
// too; a rebuild is cheap next to a stale table.
func Fingerprint(m *project.Model) string {
	h := sha256.New()
	for _, part := range []string{m.Body, m.Header.UniqueKey, m.Header.OrderBy, m.Header.AffectedKeys, strings.Join(m.Header.KeyedInputs, ",")} {
		fmt.Fprintf(h, "%d:%s\n", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}
