package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// openRaw opens the warehouse for writing without migrating it.
func openRaw(c *cli.Context, p *project.Project, d project.DuckDB) (*warehouse.DB, error) {
	return warehouse.Open(c.Context, p.Resolve(p.Config.Paths.Warehouse), warehouse.Options{
		Threads: d.Threads, MemoryLimit: d.MemoryLimit, TempDirectory: p.Resolve(d.TempDirectory),
	})
}
