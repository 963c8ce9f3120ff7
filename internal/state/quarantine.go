package state

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/digitalservices/elt/internal/warehouse"
)

// QuarantineTable is where ingestion puts rejected records.
const QuarantineTable = "silver.quarantine"

// Reserved are the warehouse's own relations, which no model may replace:
// schema.name, or schema.* for a whole schema, with what each is.
var Reserved = map[string]string{
	"elt.*":         "in the schema elt, the tool's own (run history, file manifest, model state, check results)",
	QuarantineTable: "the quarantine, the tool's own table of rejected records",
}

// Quarantine adds the rejected records of a batch: the rows of rejected
// (a relation the caller makes, such as a call of elt_frame, with _file,
// _line, _reason and _raw) whose reason is set.
func (b Books) Quarantine(ctx context.Context, q warehouse.Querier, source string, runID int64, rejected string) error {
	_, err := q.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (source, file, line, reason, raw, run_id)
		SELECT ?, _file, _line, _reason, _raw, ? FROM %s WHERE _reason IS NOT NULL ORDER BY _file, _line`, b.quarantine, rejected), source, runID)
	if err != nil {
		return fmt.Errorf("quarantine %s: %w", source, err)
	}
	return nil
}

// QuarantineSample returns up to limit records a run quarantined from a
// source (file, line, reason), for a report.
func QuarantineSample(ctx context.Context, q warehouse.Querier, source string, runID int64, limit int) (*sql.Rows, error) {
	return q.QueryContext(ctx, `SELECT file, line, reason FROM silver.quarantine WHERE source = ? AND run_id = ? ORDER BY file, line LIMIT ?`, source, runID, limit)
}

// QuarantineReasons counts a source's quarantined records by reason.
func QuarantineReasons(ctx context.Context, q warehouse.Querier, source string) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT reason, count(*) FROM silver.quarantine WHERE source = ? GROUP BY reason`, source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var r string
		var n int64
		if err := rows.Scan(&r, &n); err != nil {
			return nil, err
		}
		out[r] = n
	}
	return out, rows.Err()
}
