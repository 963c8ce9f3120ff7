// Package author owns the commands an analyst runs while writing a
// project: elt init (the starter project), elt source infer (source
// entries for elt.yaml), elt checks suggest (checks for a model's header),
// elt tests scaffold (a unit test from the warehouse), and the read-only
// elt show (a model as its SQL stands now) and elt query (a question to
// the warehouse) to try what is written. Each function returns, or writes
// to w, what its command prints; cli keeps the flags, the usage errors,
// the exit codes and the rendering of rows.
package author

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/digitalservices/elt/internal/check/suggest"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/ingest/infer"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/query"
	"github.com/digitalservices/elt/internal/starter"
	"github.com/digitalservices/elt/internal/unit"
	"github.com/digitalservices/elt/internal/yamledit"
)

// Init writes the starter project into dir (elt init) and returns the
// files written.
func Init(dir string) ([]string, error) { return starter.Write(dir) }

// Sources is what elt source infer found and did.
type Sources struct {
	Block   string   // the entries, indented as elt.yaml indents its sources
	Names   []string // the sources' names
	Written bool     // merged into elt.yaml
	// NoSourcesKey: elt.yaml is there but has no sources: key yet.
	NoSourcesKey bool
}

// InferSources samples the bronze folders or files at paths with DuckDB's
// sniffers and returns their entries for elt.yaml's sources: (elt source
// infer); with write, merges them into the elt.yaml of the project in dir,
// keeping its comments and layout. bronze, when set, overrides elt.yaml's
// bronze folder.
func InferSources(ctx context.Context, dir, bronze string, paths []string, write bool) (*Sources, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, project.ConfigFile)
	data, readErr := os.ReadFile(path)
	if readErr != nil && (write || !errors.Is(readErr, os.ErrNotExist)) {
		if errors.Is(readErr, os.ErrNotExist) {
			return nil, fmt.Errorf("no %s in %s to merge the sources into: run elt in a project folder or pass --project", project.ConfigFile, dir)
		}
		return nil, readErr
	}
	for _, p := range paths {
		if project.IsURL(p) {
			return nil, fmt.Errorf("%s: elt source infer reads sample files on this machine: copy a few objects here (aws s3 cp), infer from them, "+
				"then set the source's path (or paths.bronze) to the s3:// prefix", p)
		}
	}
	text := string(data)
	o := infer.Options{Indent: yamledit.SourcesIndent(text)}
	if readErr == nil {
		if bronze == "" {
			if cfg, err := project.LoadConfig(dir); err == nil {
				bronze = cfg.Paths.Bronze
			} else if write {
				return nil, err
			}
		}
		if bronze != "" && !filepath.IsAbs(bronze) {
			bronze = filepath.Join(dir, bronze)
		}
		o.Bronze = bronze
	}
	in, err := infer.Infer(ctx, paths, o)
	if err != nil {
		return nil, err
	}
	s := &Sources{Block: in.Block, Names: in.Names}
	if !write {
		s.NoSourcesKey = readErr == nil && !yamledit.HasSources(text)
		return s, nil
	}
	if len(in.Outside) > 0 {
		return nil, fmt.Errorf("%s is not under the bronze folder %s, where elt build looks for sources: move it there (or pass --bronze), then infer again; elt.yaml is unchanged",
			strings.Join(in.Outside, ", "), o.Bronze)
	}
	merged, err := yamledit.AddSources(text, in.Names, in.Block)
	if err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(merged), 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	s.Written = true
	return s, nil
}

// SuggestOptions say how to suggest checks (suggest.Options).
type SuggestOptions = suggest.Options

// SuggestChecks profiles the built model of the project in dir and writes
// to w the checks its data supports (elt checks suggest); with o.Write it
// merges them into the model file.
func SuggestChecks(ctx context.Context, dir string, ov project.Overrides, model string, o SuggestOptions, w io.Writer) error {
	s, err := query.OpenModel(ctx, dir, ov, model)
	if err != nil {
		return err
	}
	defer s.Close()
	return suggest.Checks(ctx, s.DB, s.Project, s.Graph, model, o, w)
}

// ScaffoldTest writes tests/<model>.yaml from rows rows of the built model
// of the project in dir, runs it, and reports both to rep (elt tests
// scaffold).
func ScaffoldTest(ctx context.Context, dir string, ov project.Overrides, model string, rows int, rep event.Reporter) error {
	s, err := query.OpenModel(ctx, dir, ov, model)
	if err != nil {
		return err
	}
	defer s.Close()
	return unit.WriteScaffold(ctx, s.DB, s.Project, s.Graph, model, rows, rep)
}

// Show runs the model's SQL, as it stands in its file now, against what
// the project in dir published, and returns its first limit rows (elt
// show); nothing is written.
func Show(ctx context.Context, dir string, ov project.Overrides, model string, limit int) (*output.Result, error) {
	s, err := query.OpenModel(ctx, dir, ov, model)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return query.Show(ctx, s.DB, s.Graph, model, limit)
}

// OpenQuery opens p's warehouse for elt query: read-only, through the
// gate of query.Read. The caller closes it.
func OpenQuery(ctx context.Context, p *project.Project) (*query.Session, error) {
	return query.Open(ctx, p)
}

// Query runs one read-only statement on s (elt query) and returns its
// first limit rows (all when limit < 0), counting the rest; an error is
// placed at its line in text, which came from path ("query" for the
// command line).
func Query(ctx context.Context, s *query.Session, path, text string, limit int) (*output.Result, error) {
	return s.Run(ctx, path, text, limit)
}
