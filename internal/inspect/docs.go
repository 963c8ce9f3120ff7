package inspect

import (
	"context"
	"fmt"
	"os"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/docs"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/unit"
)

// Docs writes the documentation site of the project in dir into the folder
// out (docs/ under the output path when empty), with what the warehouse
// holds when it is built, and reports the page's path and how many models
// and sources it shows to rep (docs_written).
func Docs(ctx context.Context, dir string, o project.Overrides, out string, rep event.Reporter) error {
	p, g, err := compile.Load(ctx, dir, o)
	if err != nil {
		return err
	}
	if err := compile.EmbeddedOnly(p, "elt docs", "build the docs from a target built in DuckDB"); err != nil {
		return err
	}
	if out == "" {
		out = p.Resolve(p.Config.Paths.Output) + "/docs"
		if project.IsURL(out) {
			return &project.UsageError{Msg: fmt.Sprintf("the docs site is written to a folder on this machine, and paths.output is %s: pass --out DIR (then upload DIR/index.html where readers find it)", p.Config.Paths.Output)}
		}
	} else if project.IsURL(out) {
		return &project.UsageError{Msg: fmt.Sprintf("--out %s: the docs site is written to a folder on this machine: pass a local folder", out)}
	}
	parser, err := compile.Parser(ctx)
	if err != nil {
		return err
	}
	defer parser.Close()
	db, err := state.Open(ctx, p, state.ReadOnly)
	if err != nil {
		if _, statErr := os.Stat(p.Resolve(p.Config.Paths.Warehouse)); statErr == nil {
			return err
		}
		db = nil // not built yet: the site shows what the project declares
	}
	if db != nil {
		defer db.Close()
	}
	tests, err := unit.Names(p.Dir)
	if err != nil {
		return err
	}
	site, err := docs.Gather(ctx, parser, db, p, g, tests)
	if err != nil {
		return err
	}
	path, err := docs.Write(site, out)
	if err != nil {
		return err
	}
	rep.Report(event.DocsWritten{Path: path, Models: len(site.Models), Sources: len(site.Sources)})
	return nil
}
