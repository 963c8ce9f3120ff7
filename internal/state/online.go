package state

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// MarkChanged records, in the build's transaction, the keys of an online
// model that this build changed: the distinct keys of its change set
// (changes, a temporary table), or, when it was rebuilt whole, every key
// of its table and every key published before (so keys gone are removed).
func MarkChanged(ctx context.Context, tx warehouse.Querier, model string, table sqlname.Relation, key string, changes sqlname.Relation) error {
	src := fmt.Sprintf("SELECT DISTINCT CAST(%s AS VARCHAR) FROM %s", sqlname.Ident(key), changes)
	if changes == "" {
		src = fmt.Sprintf("SELECT CAST(%s AS VARCHAR) FROM %s UNION SELECT key FROM elt.online_published WHERE model = %s",
			sqlname.Ident(key), table, sqlname.Literal(model))
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO elt.online_pending (model, key)
		SELECT ?, k FROM (%s) AS c(k) WHERE k IS NOT NULL
		AND k NOT IN (SELECT key FROM elt.online_pending WHERE model = ?)`, src), model, model)
	if err != nil {
		return fmt.Errorf("record the changed keys of %s: %w", model, err)
	}
	return nil
}

// PendingRows returns the keys of an online model waiting to be written,
// in key order, each with its row of the model's table (a NULL row when
// the key is gone): the key first, then the table's columns. One query
// joins them, so the table is scanned once however many batches the
// caller writes them in. The key column is matched as DuckDB matches
// names, whatever its case.
func PendingRows(ctx context.Context, q warehouse.Querier, model string, table sqlname.Relation, key string) (*sql.Rows, error) {
	return q.QueryContext(ctx, fmt.Sprintf(`SELECT p.key, t.* FROM (SELECT key FROM elt.online_pending WHERE model = ?) AS p
		LEFT JOIN %s AS t ON CAST(t.%s AS VARCHAR) = p.key ORDER BY p.key`, table, sqlname.Ident(key)), model)
}

// PublishedKeys is how many keys of an online model the feature store was
// last told to hold.
func PublishedKeys(ctx context.Context, q warehouse.Querier, model string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM elt.online_published WHERE model = ?", model).Scan(&n)
	return n, err
}

// Published records that the feature store took these keys of a model in
// a run: they leave the pending list and enter the published one (or leave
// it, for keys whose rows are gone).
func Published(ctx context.Context, db *sql.DB, model string, present, gone []string, runID int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	all := append(append([]string{}, present...), gone...)
	for _, table := range []string{"elt.online_pending", "elt.online_published"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE model = ? AND key IN (SELECT unnest(?::VARCHAR[]))", model, all); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO elt.online_published SELECT ?, unnest(?::VARCHAR[]), ?`, model, present, runID); err != nil {
		return err
	}
	return tx.Commit()
}
