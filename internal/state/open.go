package state

import (
	"context"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Mode is how a command opens the warehouse.
type Mode int

// The ways to open the warehouse.
const (
	// ReadOnly opens an existing warehouse for reading: test, ddl, docs,
	// show.
	ReadOnly Mode = iota
	// Write opens (creating) the warehouse for writing and brings its own
	// schema up to date first: build.
	Write
	// Unmigrated opens it for writing and leaves its own schema as it is:
	// migrate.
	Unmigrated
	// Query opens an existing warehouse for reading with no access to any
	// other file: elt query.
	Query
)

// Open opens the project's warehouse with its DuckDB settings (memory_limit
// shared between DuckDB's buffer manager and the rest of the process:
// project.BufferShare).
func Open(ctx context.Context, p *project.Project, mode Mode) (*warehouse.DB, error) {
	d := p.Config.DuckDB
	db, err := warehouse.Open(ctx, p.Resolve(p.Config.Paths.Warehouse), warehouse.Options{
		ReadOnly: mode == ReadOnly || mode == Query, NoFiles: mode == Query, Threads: d.Threads, MemoryLimit: d.EngineMemoryLimit(), TempDirectory: p.Resolve(d.TempDirectory),
		FileSearchPath: p.Dir, Setup: sqlname.SetVariables(p.Config.Vars),
	})
	if err != nil || mode != Write {
		return db, err
	}
	if err := Migrate(db.DB); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
