package state

import (
	"context"
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/warehouse"
)

// ModelState is what elt.model_state keeps of an incremental model: the
// run that last brought it up to date and what its rows were built by.
type ModelState struct {
	LastRun     int64
	FullRun     int64 // the last run that rebuilt it whole
	Fingerprint string
}

// ModelStates reads the state of every incremental model, by lower-case
// model ID.
func ModelStates(ctx context.Context, q warehouse.Querier) (map[string]ModelState, error) {
	rows, err := q.QueryContext(ctx, `SELECT lower(model), last_run_id, full_run_id, fingerprint FROM elt.model_state`)
	if err != nil {
		return nil, fmt.Errorf("read model state: %w", err)
	}
	defer rows.Close()
	out := map[string]ModelState{}
	for rows.Next() {
		var m string
		var s ModelState
		if err := rows.Scan(&m, &s.LastRun, &s.FullRun, &s.Fingerprint); err != nil {
			return nil, err
		}
		out[m] = s
	}
	return out, rows.Err()
}

// SaveModelState records that a model is up to date as of run; whole says
// it was rebuilt whole in that run (else its last full run is kept).
func SaveModelState(ctx context.Context, q warehouse.Querier, model string, run int64, whole bool, fingerprint string) error {
	id := strings.ToLower(model)
	full := run
	if !whole {
		if err := q.QueryRowContext(ctx, `SELECT coalesce(max(full_run_id), 0) FROM elt.model_state WHERE lower(model) = ?`, id).Scan(&full); err != nil {
			return err
		}
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM elt.model_state WHERE lower(model) = ?`, id); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO elt.model_state VALUES (?, ?, ?, ?)`, model, run, full, fingerprint)
	return err
}

// ForgetModelState drops what elt.model_state keeps of a model now built
// as a table or view: made incremental again later, it is rebuilt whole
// rather than merged into rows its state no longer describes.
func ForgetModelState(ctx context.Context, q warehouse.Querier, model string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM elt.model_state WHERE lower(model) = ?`, strings.ToLower(model))
	return err
}
