package state

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/warehouse"
)

// RunSummary is one run of the history with what it did, for reports.
type RunSummary struct {
	ID        int64
	Command   string
	Args      string
	Status    string
	StartedAt time.Time
	Seconds   float64
	Error     string
	Models    int64 // models built
	Checks    int64 // checks run
	Failed    int64 // checks failed (severity error) or broken
}

// RecentRuns returns the last n runs, newest first.
func RecentRuns(ctx context.Context, q warehouse.Querier, n int) ([]RunSummary, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.run_id, r.command, coalesce(r.args, ''), r.status, r.started_at,
		coalesce(epoch(r.finished_at - r.started_at), 0), coalesce(r.error, ''),
		(SELECT count(*) FROM elt.model_runs m WHERE m.run_id = r.run_id AND m.status = 'success'),
		(SELECT count(*) FROM elt.check_results c WHERE c.run_id = r.run_id),
		(SELECT count(*) FROM elt.check_results c WHERE c.run_id = r.run_id AND c.status IN ('fail', 'error'))
		FROM elt.runs r ORDER BY r.run_id DESC LIMIT ?`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RunSummary
	for rows.Next() {
		var r RunSummary
		if err := rows.Scan(&r.ID, &r.Command, &r.Args, &r.Status, &r.StartedAt, &r.Seconds, &r.Error, &r.Models, &r.Checks, &r.Failed); err != nil {
			return nil, err
		}
		// Read-only commands do not migrate: a password an older elt kept
		// is redacted here too.
		r.Args, r.Error = diag.Redact(r.Args), diag.Redact(r.Error)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CheckOutcome is the latest result of one check.
type CheckOutcome struct {
	Target, Name, Severity, Status, Detail string
	Failing, Total                         sql.NullInt64
	RunID                                  int64
}

// LatestChecks returns the last recorded result of every check, by target.
func LatestChecks(ctx context.Context, q warehouse.Querier) (map[string][]CheckOutcome, error) {
	rows, err := q.QueryContext(ctx, `SELECT target, check_name, severity, status, coalesce(detail, ''), failing, total, run_id
		FROM elt.check_results
		QUALIFY row_number() OVER (PARTITION BY target, check_name ORDER BY run_id DESC) = 1
		ORDER BY target, check_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]CheckOutcome{}
	for rows.Next() {
		var c CheckOutcome
		if err := rows.Scan(&c.Target, &c.Name, &c.Severity, &c.Status, &c.Detail, &c.Failing, &c.Total, &c.RunID); err != nil {
			return nil, err
		}
		out[c.Target] = append(out[c.Target], c)
	}
	return out, rows.Err()
}

// CleanChecks are the checks of a target that passed with no failing row
// in a run, by name.
func CleanChecks(ctx context.Context, q warehouse.Querier, runID int64, target string) (map[string]bool, error) {
	return warehouse.Set(ctx, q, `SELECT check_name FROM elt.check_results
		WHERE run_id = ? AND target = ? AND status = ? AND failing = 0`, runID, target, CheckPassed)
}

// FileCount is how many files of a source the manifest holds.
func FileCount(ctx context.Context, q warehouse.Querier, source string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM elt.files WHERE source = ?`, source).Scan(&n)
	return n, err
}

// Balance is one source's reconciliation in a run.
type Balance struct {
	Source                                        string
	Read, Silver, Superseded, Quarantined, Bronze int64
	Balanced                                      bool
	// Key is the source's key its superseded records were counted by ("" for
	// none, or when recorded before the key was kept).
	Key string
}

// RecordReconciliation keeps a run's reconciliation.
func (r Runs) RecordReconciliation(ctx context.Context, id int64, bs []Balance) error {
	for _, b := range bs {
		if _, err := r.DB.ExecContext(ctx, `INSERT INTO elt.reconciliations
			(run_id, source, read, silver, superseded, quarantined, bronze, balanced, source_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, b.Source, b.Read, b.Silver, b.Superseded, b.Quarantined, b.Bronze, b.Balanced, b.Key); err != nil {
			return err
		}
	}
	return nil
}

// LastBalanced is a source's latest reconciliation that balanced, and its
// run; run is 0 when there is none.
func LastBalanced(ctx context.Context, q warehouse.Querier, source string) (run int64, b Balance, err error) {
	err = q.QueryRowContext(ctx, `SELECT run_id, source, read, silver, superseded, quarantined, bronze, balanced, coalesce(source_key, '')
		FROM elt.reconciliations WHERE source = ? AND balanced ORDER BY run_id DESC LIMIT 1`, source).
		Scan(&run, &b.Source, &b.Read, &b.Silver, &b.Superseded, &b.Quarantined, &b.Bronze, &b.Balanced, &b.Key)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, Balance{}, nil
	}
	return run, b, err
}

// Reconciliations returns the reconciliation of each run that has one, by
// run.
// A warehouse last written by an elt from before they were kept (opened
// read-only, so not migrated) has none.
func Reconciliations(ctx context.Context, q warehouse.Querier) (map[int64][]Balance, error) {
	var kept bool
	if err := q.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = current_database()
		AND schema_name = 'elt' AND table_name = 'reconciliations'`).Scan(&kept); err != nil || !kept {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT run_id, source, read, silver, superseded, quarantined, bronze, balanced
		FROM elt.reconciliations ORDER BY run_id, source`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]Balance{}
	for rows.Next() {
		var id int64
		var b Balance
		if err := rows.Scan(&id, &b.Source, &b.Read, &b.Silver, &b.Superseded, &b.Quarantined, &b.Bronze, &b.Balanced); err != nil {
			return nil, err
		}
		out[id] = append(out[id], b)
	}
	return out, rows.Err()
}
