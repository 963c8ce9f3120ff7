package unit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// RunSelected runs the unit tests of the selected models (all when sel and
// exclude are empty), each in a DuckDB with the project's macros,
// reports the results to r and returns how many ran and how many failed.
func RunSelected(ctx context.Context, p *project.Project, g *plan.Graph, sel, exclude []string, r event.Reporter) (ran, failed int, err error) {
	tests, err := Load(p.Dir)
	if err != nil {
		return 0, 0, err
	}
	ids, err := g.Select(sel, exclude)
	if err != nil {
		return 0, 0, err
	}
	chosen := map[string]bool{}
	for _, id := range ids {
		chosen[id] = true
	}
	var results []Result
	for _, t := range tests {
		if len(sel)+len(exclude) > 0 && !chosen[strings.ToLower(t.Model)] {
			continue
		}
		results = append(results, Run(ctx, p, g, t)...)
	}
	if len(results) == 0 {
		return 0, 0, nil
	}
	return len(results), Report(r, results), nil
}

// WriteScaffold writes tests/<schema>.<name>.yaml from a sample of rows of
// the model in the warehouse, runs it (in a DuckDB with the project's macros), and
// reports both to r; it returns
// an error when the test it wrote does not pass. It never overwrites a
// file.
func WriteScaffold(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, model string, rows int, r event.Reporter) error {
	n, err := g.Model(model)
	if err != nil {
		return err
	}
	rel := filepath.ToSlash(filepath.Join(Dir, n.Model.ID()+".yaml"))
	path := filepath.Join(p.Dir, rel)
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists; move it aside or edit it (scaffold never overwrites a test)", rel)
	}
	t, err := Scaffold(ctx, db, g, n, rows)
	if err != nil {
		return err
	}
	b, err := Marshal(t, fmt.Sprintf("Unit test of %s, scaffolded by `elt tests scaffold` from the warehouse.\nReview the rows, trim what does not matter, and commit it; `elt test` runs it.", n.Model.ID()))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	given := 0
	for _, r := range t.Given {
		given += len(r)
	}
	r.Report(event.TestScaffolded{Path: rel, Inputs: given, Expected: len(t.Expect)})
	t.Path = rel
	if failed := Report(r, Run(ctx, p, g, t)); failed > 0 {
		return fmt.Errorf("%s does not pass as written: the input rows sampled do not make exactly the expected rows; the file is kept: edit it (or delete it) before committing", rel)
	}
	return nil
}
