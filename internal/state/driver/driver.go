// Package driver is a golang-migrate database driver for DuckDB,
// registered as duckdb://: state runs elt's migrations through it.
package driver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/golang-migrate/migrate/v4/database"

	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

func init() {
	database.Register("duckdb", &Driver{})
}

// DefaultMigrationsTable records the applied migration version.
const DefaultMigrationsTable = "schema_migrations"

// Config tunes the driver.
type Config struct {
	// MigrationsTable is the version table; it lives in schema "elt".
	MigrationsTable string
}

// Driver is a golang-migrate database.Driver for DuckDB.
type Driver struct {
	db     *sql.DB
	owned  bool // opened by Open(url), so Close closes it
	table  sqlname.Relation
	locked atomic.Bool
	// pending is the transaction of the migration under way: golang-migrate
	// marks the version dirty, runs the migration, then marks it clean, and
	// all three go in this one transaction, so that a process killed in
	// the middle leaves the last whole version, never a dirty one.
	pending *sql.Tx
}

// WithInstance wraps an open DuckDB handle.
func WithInstance(db *sql.DB, cfg Config) (*Driver, error) {
	if cfg.MigrationsTable == "" {
		cfg.MigrationsTable = DefaultMigrationsTable
	}
	d := &Driver{db: db, table: sqlname.Qualified("elt", cfg.MigrationsTable)}
	if err := d.ensureTable(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Driver) ensureTable() error {
	_, err := d.db.Exec(`CREATE SCHEMA IF NOT EXISTS elt; CREATE TABLE IF NOT EXISTS ` + d.table.String() + ` (version BIGINT NOT NULL, dirty BOOLEAN NOT NULL)`)
	return err
}

// Open takes duckdb://path/to/file.duckdb[?x-migrations-table=name].
func (d *Driver) Open(rawURL string) (database.Driver, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	path := strings.TrimPrefix(rawURL, "duckdb://")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{})
	if err != nil {
		return nil, err
	}
	nd, err := WithInstance(db.DB, Config{MigrationsTable: u.Query().Get("x-migrations-table")})
	if err != nil {
		db.Close()
		return nil, err
	}
	nd.owned = true
	return nd, nil
}

// Close closes the database when the driver opened it; a migration left
// under way is rolled back.
func (d *Driver) Close() error {
	if d.pending != nil {
		d.pending.Rollback()
		d.pending = nil
	}
	if d.owned {
		return d.db.Close()
	}
	return nil
}

// Lock takes the migration lock. DuckDB's file lock already keeps other
// processes out, so this guards against a second migration in-process.
func (d *Driver) Lock() error {
	if !d.locked.CompareAndSwap(false, true) {
		return database.ErrLocked
	}
	return nil
}

// Unlock releases the migration lock.
func (d *Driver) Unlock() error {
	if !d.locked.CompareAndSwap(true, false) {
		return database.ErrNotLocked
	}
	return nil
}

// Run applies one migration: in the transaction SetVersion began for it,
// or in one of its own.
func (d *Driver) Run(migration io.Reader) error {
	b, err := io.ReadAll(migration)
	if err != nil {
		return err
	}
	tx, own := d.pending, d.pending == nil
	if own {
		if tx, err = d.db.Begin(); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(string(b)); err != nil {
		tx.Rollback()
		d.pending = nil
		return database.Error{OrigErr: err, Err: "migration failed", Query: b}
	}
	if own {
		return tx.Commit()
	}
	return nil
}

// SetVersion records the version (and whether it is half applied). A
// dirty version begins the transaction the migration runs in (Run), and
// the clean one that follows commits it: the dirty mark is never seen
// outside it, and a migration that fails is rolled back whole, its
// version with it.
func (d *Driver) SetVersion(version int, dirty bool) error {
	tx := d.pending
	if tx == nil {
		var err error
		if tx, err = d.db.Begin(); err != nil {
			return err
		}
	}
	d.pending = nil
	err := func() error {
		if _, err := tx.Exec(`DELETE FROM ` + d.table.String()); err != nil {
			return err
		}
		if version >= 0 || (version == database.NilVersion && dirty) {
			_, err := tx.Exec(`INSERT INTO `+d.table.String()+` VALUES (?, ?)`, version, dirty)
			return err
		}
		return nil
	}()
	if err != nil {
		tx.Rollback()
		return err
	}
	if dirty {
		d.pending = tx
		return nil
	}
	return tx.Commit()
}

// Version reads the recorded version; NilVersion when none.
func (d *Driver) Version() (int, bool, error) {
	var v int
	var dirty bool
	row := d.db.QueryRow
	if d.pending != nil { // as the migration under way sees it
		row = d.pending.QueryRow
	}
	err := row(`SELECT version, dirty FROM `+d.table.String()+` LIMIT 1`).Scan(&v, &dirty)
	if errors.Is(err, sql.ErrNoRows) {
		return database.NilVersion, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return v, dirty, nil
}

// Drop removes every table, view, sequence and user schema.
func (d *Driver) Drop() error {
	rows, err := d.db.Query(`SELECT schema_name FROM duckdb_schemas() WHERE NOT internal AND database_name = current_database() AND schema_name <> 'main'`)
	if err != nil {
		return err
	}
	var schemas []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		schemas = append(schemas, s)
	}
	rows.Close()
	var stmts []string
	for _, s := range schemas {
		stmts = append(stmts, "DROP SCHEMA "+sqlname.Ident(s)+" CASCADE")
	}
	rows, err = d.db.Query(`SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database()`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			rows.Close()
			return err
		}
		kind := "TABLE"
		if t == "VIEW" {
			kind = "VIEW"
		}
		stmts = append(stmts, fmt.Sprintf("DROP %s IF EXISTS main.%s CASCADE", kind, sqlname.Ident(n)))
	}
	rows.Close()
	for _, s := range stmts {
		if _, err := d.db.Exec(s); err != nil {
			return err
		}
	}
	return d.ensureTable()
}
