package state

import (
	"context"
	"fmt"

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
// BufferShare).
func Open(ctx context.Context, p *project.Project, mode Mode) (*warehouse.DB, error) {
	d := p.Config.DuckDB
	db, err := warehouse.Open(ctx, p.Resolve(p.Config.Paths.Warehouse), warehouse.Options{
		ReadOnly: mode == ReadOnly || mode == Query, NoFiles: mode == Query, Threads: d.Threads, MemoryLimit: EngineMemoryLimit(d.MemoryLimit), TempDirectory: p.Resolve(d.TempDirectory),
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

// BufferShare is the part of memory_limit DuckDB's buffer manager is given
// (DuckDB's own memory_limit): the rest is for what DuckDB allocates
// outside it (window and aggregate states, its allocator's caches) and for
// Go's read buffers. DuckDB's limit binds its buffer manager only; with all
// of memory_limit given to it, a build of 100M events under 4GB peaked at
// 4.5 to 5.5 GB, and with three quarters at 3.6 to 3.9 GB, as fast
// (design/performance.md).
const BufferShare = 0.75

// WholeBelow is the memory_limit DuckDB is given all of, and the least it
// is given of a larger one: given 64MB of a 90MB limit, DuckDB aborted the
// process writing a 40 MB value elt handed it, where with all of it it
// failed with an error.
const WholeBelow = 128 * 1000 * 1000

// EngineMemoryLimit is the memory_limit DuckDB is opened with, given
// elt.yaml's (limit): BufferShare of it, at least WholeBelow (or all of
// it, when that is less), in KiB; "" when elt.yaml sets none (DuckDB's
// default, 80% of the machine's memory).
func EngineMemoryLimit(limit string) string {
	n, ok := project.MemorySize(limit)
	if !ok {
		return limit // "" (validated before: a size is always read)
	}
	return fmt.Sprintf("%dKiB", int64(max(n*BufferShare, min(n, WholeBelow)))/1024)
}
