// Package state owns the warehouse's own schema and every statement on it:
// the embedded migrations (applied through our golang-migrate DuckDB
// driver), the run history (elt.runs, elt.model_runs, elt.check_results),
// the file manifest (elt.files), the quarantine (silver.quarantine) and the
// incremental models' state (elt.model_state). Other packages reach these
// tables only through its typed functions, which take the transaction or
// database to run on.
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

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/digitalservices/elt/internal/state/driver"
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
	drv, err := driver.WithInstance(db, driver.Config{})
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
// Passwords an older elt kept in the run history are redacted.
func Migrate(db *sql.DB) error {
	if err := upgrade(db); err != nil {
		return err
	}
	if err := markInterrupted(context.Background(), db); err != nil {
		return err
	}
	return redactHistory(context.Background(), db)
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
