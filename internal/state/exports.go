package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// MaxExportKeys is the most keys of one model MarkExportChanged records
// from a change set; a larger one is recorded as a change of every row (the
// export is then written whole, which costs about as much).
var MaxExportKeys int64 = 1_000_000

// MarkExportChanged records, in the build's transaction, which rows of a
// model with an export this build (run) changed: the distinct keys of its
// change set (changes, a temporary table, over the model's unique_key key),
// or, when changes or key is empty (the model was rebuilt whole, has no
// unique_key, or its export takes no keys), when the change set holds a
// NULL key or more than MaxExportKeys keys, a NULL key: any row may have
// changed.
func MarkExportChanged(ctx context.Context, tx warehouse.Querier, model string, run int64, key string, changes sqlname.Relation) error {
	if changes != "" && key != "" {
		// One pass: a NULL key goes in as it is, and a change set larger
		// than MaxExportKeys is taken back for the NULL key below.
		res, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO elt.export_changes (model, run_id, key)
			SELECT ?, ?, k FROM (SELECT DISTINCT CAST(%s AS VARCHAR) FROM %s LIMIT %d) AS c(k)`, sqlname.Ident(key), changes, MaxExportKeys+1), model, run)
		if err != nil {
			return fmt.Errorf("record the changed keys of %s for its export: %w", model, err)
		}
		if n, err := res.RowsAffected(); err != nil || n <= MaxExportKeys {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM elt.export_changes WHERE model = ? AND run_id = ?`, model, run); err != nil {
			return fmt.Errorf("record that %s changed, for its export: %w", model, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO elt.export_changes (model, run_id, key) VALUES (?, ?, NULL)`, model, run); err != nil {
		return fmt.Errorf("record that %s changed, for its export: %w", model, err)
	}
	return nil
}

// ForgetExport forgets, in the build's transaction, what was recorded of
// the export of a model that has none now: its changes are no longer
// recorded, so an export added back is to be written whole.
func ForgetExport(ctx context.Context, tx warehouse.Querier, model string) error {
	for _, table := range []string{"elt.export_changes", "elt.export_written"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE lower(model) = lower(?)", model); err != nil {
			return fmt.Errorf("forget the export of %s: %w", model, err)
		}
	}
	return nil
}

// ExportChanges is what changed in a model after the run its export last
// took (ExportWritten), as MarkExportChanged recorded it.
type ExportChanges struct {
	// Since is that run, 0 when no export of the model was recorded.
	Since int64
	// Whole: any row may have changed since (a NULL key was recorded).
	Whole bool
	// Keys is how many distinct keys changed since.
	Keys int64
	// Query returns those keys (column key, as text), for a subquery.
	Query string
}

// ExportChangesSince reads what changed in a model after the run its
// export last took.
func ExportChangesSince(ctx context.Context, q warehouse.Querier, model string) (ExportChanges, error) {
	var c ExportChanges
	err := q.QueryRowContext(ctx, `SELECT run_id FROM elt.export_written WHERE lower(model) = lower(?)`, model).Scan(&c.Since)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	} else if err != nil {
		return c, fmt.Errorf("read the export history of %s: %w", model, err)
	}
	c.Query = fmt.Sprintf("SELECT DISTINCT key FROM elt.export_changes WHERE lower(model) = %s AND run_id > %d AND key IS NOT NULL",
		sqlname.Literal(strings.ToLower(model)), c.Since)
	err = q.QueryRowContext(ctx, `SELECT count(DISTINCT key), count(*) FILTER (WHERE key IS NULL) > 0
		FROM elt.export_changes WHERE lower(model) = lower(?) AND run_id > ?`, model, c.Since).Scan(&c.Keys, &c.Whole)
	if err != nil {
		return c, fmt.Errorf("read the changed keys of %s: %w", model, err)
	}
	return c, nil
}

// ExportWritten records that a model's export holds its rows as of run
// (written, brought up to date or kept by that run), and forgets the keys
// changed in that run and before.
func ExportWritten(ctx context.Context, db *sql.DB, model string, run int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM elt.export_changes WHERE lower(model) = lower(?) AND run_id <= ?`, []any{model, run}},
		{`DELETE FROM elt.export_written WHERE lower(model) = lower(?)`, []any{model}},
		{`INSERT INTO elt.export_written VALUES (?, ?)`, []any{model, run}},
	} {
		if _, err := tx.ExecContext(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("record the export of %s: %w", model, err)
		}
	}
	return tx.Commit()
}
