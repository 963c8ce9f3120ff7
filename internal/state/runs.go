package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/warehouse"
)

// RunStatus is how a run ended, or that it is still going.
type RunStatus string

// The statuses of a run in elt.runs.
const (
	Running     RunStatus = "running"
	Succeeded   RunStatus = "success"
	Failed      RunStatus = "error"
	Cancelled   RunStatus = "cancelled"
	Interrupted RunStatus = "interrupted" // its process died; set by the next writer
	// Committed is a build whose transaction committed (its data is
	// published), still writing its exports and the feature store: set in
	// the build's own transaction, so a kill at any point leaves the run
	// saying truthfully whether its data was published.
	Committed RunStatus = "committed"
)

// The errors the next writer records for a run whose process died.
const (
	diedBeforeCommit = "the process ended before the run finished (killed, or the machine stopped); nothing of it was published"
	diedAfterCommit  = "the process ended after the build committed (killed, or the machine stopped): its data is published in the warehouse, " +
		"but its exports or the feature store may be behind; the next build brings them level"
)

// ModelStatus is how one model fared in a run.
type ModelStatus string

// The statuses of a model in elt.model_runs.
const (
	ModelBuilt   ModelStatus = "success"
	ModelFailed  ModelStatus = "error"
	ModelSkipped ModelStatus = "skipped" // an earlier model failed
)

// CheckStatus is how one check fared in a run.
type CheckStatus string

// The statuses of a check in elt.check_results.
const (
	CheckPassed CheckStatus = "pass"
	CheckFailed CheckStatus = "fail"
	CheckWarned CheckStatus = "warn"  // failed, severity warn
	CheckBroken CheckStatus = "error" // could not run
)

// Runs records the run history.
type Runs struct{ DB warehouse.Querier }

// Start records a new run and returns its id. A password in a URL among
// args (--redis-url redis://:secret@host) is kept redacted.
func (r Runs) Start(ctx context.Context, command, args, version string) (int64, error) {
	var id int64
	err := r.DB.QueryRowContext(ctx, `INSERT INTO elt.runs (run_id, command, args, status, started_at, elt_version)
		VALUES (nextval('elt.run_id'), ?, ?, ?, ?, ?) RETURNING run_id`, command, diag.Redact(args), Running, time.Now().UTC(), version).Scan(&id)
	return id, err
}

// Finish records how the run ended.
func (r Runs) Finish(ctx context.Context, id int64, status RunStatus, runErr error) error {
	var msg any
	if runErr != nil {
		msg = diag.Redact(runErr.Error())
	}
	_, err := r.DB.ExecContext(ctx, `UPDATE elt.runs SET status = ?, finished_at = ?, error = ? WHERE run_id = ?`, status, time.Now().UTC(), msg, id)
	return err
}

// markInterrupted marks every run still running (or committed and not
// finished) as interrupted, saying whether its data was published: called
// by the one process that holds the warehouse for writing, so no such run
// can still be going.
func markInterrupted(ctx context.Context, q warehouse.Querier) error {
	_, err := q.ExecContext(ctx, `UPDATE elt.runs SET status = ?, finished_at = coalesce(finished_at, ?),
		error = coalesce(error, CASE WHEN status = ? THEN ? ELSE ? END)
		WHERE status IN (?, ?)`, Interrupted, time.Now().UTC(), Committed, diedAfterCommit, diedBeforeCommit, Running, Committed)
	return err
}

// Version names run id with its start: the rows a run made, told apart
// from those of a run of the same id in another timeline (a warehouse made
// again counts from 1 again; one restored from a copy repeats the ids
// after it). "" when the history has no such run.
func (r Runs) Version(ctx context.Context, id int64) (string, error) {
	var t time.Time
	err := r.DB.QueryRowContext(ctx, `SELECT started_at FROM elt.runs WHERE run_id = ?`, id).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("read the run history: %w", err)
	}
	return fmt.Sprintf("run %d, started %s", id, t.UTC().Format(time.RFC3339Nano)), nil
}

// Commit records, in the build's transaction just before it commits, the
// run's models, checks and reconciliation and that it committed: they are
// published with its data, or not at all.
func (r Runs) Commit(ctx context.Context, id int64, ms []ModelRun, cs []CheckRecord, bs []Balance) error {
	if err := r.RecordModels(ctx, id, ms); err != nil {
		return err
	}
	if err := r.RecordChecks(ctx, id, cs); err != nil {
		return err
	}
	if err := r.RecordReconciliation(ctx, id, bs); err != nil {
		return err
	}
	_, err := r.DB.ExecContext(ctx, `UPDATE elt.runs SET status = ? WHERE run_id = ?`, Committed, id)
	return err
}

// redactHistory redacts the passwords an older elt kept in the run
// history's command lines and errors.
func redactHistory(ctx context.Context, q warehouse.Querier) error {
	rows, err := q.QueryContext(ctx, `SELECT run_id, coalesce(args, ''), coalesce(error, '') FROM elt.runs
		WHERE args LIKE '%://%@%' OR args LIKE '%password=%' OR error LIKE '%://%@%' OR error LIKE '%password=%'`)
	if err != nil {
		return err
	}
	type run struct {
		id          int64
		args, error string
	}
	var todo []run
	for rows.Next() {
		var r run
		if err := rows.Scan(&r.id, &r.args, &r.error); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range todo {
		if a, e := diag.Redact(r.args), diag.Redact(r.error); a != r.args || e != r.error {
			if _, err := q.ExecContext(ctx, `UPDATE elt.runs SET args = ?, error = nullif(?, '') WHERE run_id = ?`, a, e, r.id); err != nil {
				return err
			}
		}
	}
	return nil
}

// ModelRun is one model's outcome in a run.
type ModelRun struct {
	Model        string
	Materialized string // view, table, full or incremental: how it was built
	Status       ModelStatus
	Rows         int64
	Started      time.Time
	Seconds      float64
	Error        string
}

// RecordModels stores the model outcomes of a run.
func (r Runs) RecordModels(ctx context.Context, id int64, ms []ModelRun) error {
	for _, m := range ms {
		var msg any
		if m.Error != "" {
			msg = diag.Redact(m.Error)
		}
		if _, err := r.DB.ExecContext(ctx, `INSERT INTO elt.model_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, m.Model, m.Materialized, m.Status, m.Rows, m.Started.UTC(), m.Seconds, msg); err != nil {
			return err
		}
	}
	return nil
}

// CheckRecord is one check's outcome in a run.
type CheckRecord struct {
	Target, Check, Severity, Detail string
	Status                          CheckStatus
	Failing, Total                  int64
	Share                           float64
}

// RecordChecks stores the check outcomes of a run.
func (r Runs) RecordChecks(ctx context.Context, id int64, cs []CheckRecord) error {
	for _, c := range cs {
		if _, err := r.DB.ExecContext(ctx, `INSERT INTO elt.check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, c.Target, c.Check, c.Severity, c.Status, c.Failing, c.Total, c.Share, diag.Redact(c.Detail)); err != nil {
			return err
		}
	}
	return nil
}
