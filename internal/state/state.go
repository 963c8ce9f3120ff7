package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/digitalservices/elt/migrations"
)

// Migrator runs the embedded migrations against an open warehouse.
type Migrator struct{ m *migrate.Migrate }

// NewMigrator prepares golang-migrate with our driver and embedded files.
func NewMigrator(db *sql.DB) (*Migrator, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	drv, err := WithInstance(db, Config{})
	if err != nil {
		return nil, fmt.Errorf("prepare the migrations table: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "duckdb", drv)
	if err != nil {
		return nil, err
	}
	return &Migrator{m: m}, nil
}

// Up applies every pending migration; none pending is not an error.
func (g *Migrator) Up() error {
	if err := g.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return g.explain(err)
	}
	return nil
}

// Down reverts the last n migrations (all when n <= 0).
func (g *Migrator) Down(n int) error {
	var err error
	if n <= 0 {
		err = g.m.Down()
	} else {
		err = g.m.Steps(-n)
	}
	if err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return g.explain(err)
	}
	return nil
}

// Version reports the applied version; 0 when none.
func (g *Migrator) Version() (uint, bool, error) {
	v, dirty, err := g.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, dirty, err
}

// Dropped lists what reverting the migrations above version to (down to
// and excluding it) drops, newest first: the tables, sequences and columns
// named by their DROP statements.
func (g *Migrator) Dropped(to uint) ([]string, error) {
	v, _, err := g.Version()
	if err != nil {
		return nil, err
	}
	entries, err := fs.Glob(migrations.FS, "*.down.sql")
	if err != nil {
		return nil, err
	}
	sort.Sort(sort.Reverse(sort.StringSlice(entries)))
	var out []string
	for _, name := range entries {
		n, err := strconv.ParseUint(name[:strings.IndexByte(name, '_')], 10, 64)
		if err != nil || uint(n) > v || uint(n) <= to {
			continue
		}
		text, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(text), "\n") {
			if m := dropRe.FindStringSubmatch(line); m != nil {
				out = append(out, strings.ToLower(m[1])+" "+m[2])
			} else if m := dropColumnRe.FindStringSubmatch(line); m != nil {
				out = append(out, "column "+m[2]+" of "+m[1])
			}
		}
	}
	return out, nil
}

var (
	dropRe       = regexp.MustCompile(`(?i)^DROP\s+(TABLE|SEQUENCE|SCHEMA)\s+(?:IF\s+EXISTS\s+)?([\w.]+)`)
	dropColumnRe = regexp.MustCompile(`(?i)^ALTER\s+TABLE\s+([\w.]+)\s+DROP\s+COLUMN\s+(\w+)`)
)

// Latest is the newest version embedded in this binary.
func Latest() uint {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return 0
	}
	v, err := src.First()
	for err == nil {
		next, e := src.Next(v)
		if e != nil {
			break
		}
		v = next
	}
	return v
}

func (g *Migrator) explain(err error) error {
	var dirty migrate.ErrDirty
	if errors.As(err, &dirty) {
		return fmt.Errorf("the warehouse schema is half-migrated at version %d (a migration failed): restore the warehouse file from a backup, or delete it and run `elt build` to rebuild it from bronze", dirty.Version)
	}
	return fmt.Errorf("migrate the warehouse: %w", err)
}

// Migrate brings the warehouse schema up to date, refusing a warehouse
// made by a newer elt, and marks as interrupted every run still marked
// running: DuckDB lets one process at a time open the warehouse for
// writing, so such a run's process is gone (killed, or its machine lost).
func Migrate(db *sql.DB) error {
	if err := upgrade(db); err != nil {
		return err
	}
	_, err := db.Exec(`UPDATE elt.runs SET status = 'interrupted', finished_at = coalesce(finished_at, ?),
		error = coalesce(error, 'the process ended before the run finished (killed, or the machine stopped); nothing of it was published')
		WHERE status = 'running'`, time.Now().UTC())
	return err
}

func upgrade(db *sql.DB) error {
	g, err := NewMigrator(db)
	if err != nil {
		return err
	}
	v, _, err := g.Version()
	if err == nil && v > Latest() {
		return fmt.Errorf("the warehouse was made by a newer elt (schema version %d; this elt knows up to %d): upgrade elt", v, Latest())
	}
	return g.Up()
}

// Runs records the run history.
type Runs struct{ DB *sql.DB }

// Start records a new run and returns its id.
func (r Runs) Start(ctx context.Context, command, args, version string) (int64, error) {
	var id int64
	err := r.DB.QueryRowContext(ctx, `INSERT INTO elt.runs (run_id, command, args, status, started_at, elt_version)
		VALUES (nextval('elt.run_id'), ?, ?, 'running', ?, ?) RETURNING run_id`, command, args, time.Now().UTC(), version).Scan(&id)
	return id, err
}

// Finish records how the run ended.
func (r Runs) Finish(ctx context.Context, id int64, status string, runErr error) error {
	var msg any
	if runErr != nil {
		msg = runErr.Error()
	}
	_, err := r.DB.ExecContext(ctx, `UPDATE elt.runs SET status = ?, finished_at = ?, error = ? WHERE run_id = ?`, status, time.Now().UTC(), msg, id)
	return err
}

// ModelRun is one model's outcome in a run.
type ModelRun struct {
	Model, Materialized, Status string
	Rows                        int64
	Started                     time.Time
	Seconds                     float64
	Error                       string
}

// RecordModels stores the model outcomes of a run.
func (r Runs) RecordModels(ctx context.Context, id int64, ms []ModelRun) error {
	for _, m := range ms {
		var msg any
		if m.Error != "" {
			msg = m.Error
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
	Target, Check, Severity, Status, Detail string
	Failing, Total                          int64
	Share                                   float64
}

// RecordChecks stores the check outcomes of a run.
func (r Runs) RecordChecks(ctx context.Context, id int64, cs []CheckRecord) error {
	for _, c := range cs {
		if _, err := r.DB.ExecContext(ctx, `INSERT INTO elt.check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, c.Target, c.Check, c.Severity, c.Status, c.Failing, c.Total, c.Share, c.Detail); err != nil {
			return err
		}
	}
	return nil
}
