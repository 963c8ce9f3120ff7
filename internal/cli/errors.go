package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// sqlFileError places a DuckDB error at its line and column in text.
func sqlFileError(path, text string, err error) error {
	qe := warehouse.AsQueryError(err)
	if qe.Line == 0 {
		return &project.FileError{Path: path, Msg: qe.Kind + ": " + qe.Msg}
	}
	return project.At(path, text, qe.Line, qe.Col, "%s: %s", qe.Kind, qe.Msg)
}

// openRaw opens the warehouse for writing without migrating it.
func openRaw(c *cli.Context, p *project.Project, d project.DuckDB) (*warehouse.DB, error) {
	return warehouse.Open(c.Context, p.Resolve(p.Config.Paths.Warehouse), warehouse.Options{
		Threads: d.Threads, MemoryLimit: d.MemoryLimit, TempDirectory: p.Resolve(d.TempDirectory),
	})
}
