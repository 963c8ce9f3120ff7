package suggest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/profile"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
	"github.com/digitalservices/elt/internal/yamledit"
)

// Options say how to suggest checks.
type Options struct {
	// Holdout is the share of rows (0 to 1, exclusive; 0 for none) kept
	// out of the profile; suggestions that fail on them are dropped.
	Holdout float64
	// Write merges the suggestions into the model's header.
	Write bool
}

// Checks profiles a built model in one pass and writes to w the
// checks its data supports, as YAML for the header with the evidence
// beside each; with o.Write it merges them into the model file.
func Checks(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, model string, o Options, w io.Writer) error {
	n, err := g.Model(model)
	if err != nil {
		return err
	}
	m := n.Model
	cols, err := profile.Columns(ctx, db, m.Schema, m.Name)
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		return fmt.Errorf("%s is not built yet: run `elt build` first, then suggest checks from its rows", m.ID())
	}
	var train, hold string
	if o.Holdout > 0 {
		ids := make([]string, len(cols))
		for i, c := range cols {
			ids[i] = sqlname.Ident(c.Name)
		}
		// A row's side is fixed by a hash of its values: the same split
		// each run.
		k := int(o.Holdout*1000 + 0.5)
		split := fmt.Sprintf("hash(%s) %% 1000", strings.Join(ids, ", "))
		train, hold = fmt.Sprintf("%s >= %d", split, k), fmt.Sprintf("%s < %d", split, k)
	}
	prof, err := profile.ProfileColumns(ctx, db, m.Schema, m.Name, cols, profile.Options{Where: train})
	if err != nil {
		return err
	}
	var keys []string
	for _, src := range p.Config.Sources {
		if src.Key != "" {
			keys = append(keys, src.Key)
		}
	}
	suggested, declared, skipped := For(prof, m, keys)
	var dropped []string
	if o.Holdout > 0 {
		hp, err := profile.ProfileColumns(ctx, db, m.Schema, m.Name, cols, profile.Options{Where: hold})
		if err != nil {
			return err
		}
		kept := suggested[:0]
		for _, s := range suggested {
			if ok, why := s.Holds(hp); ok {
				kept = append(kept, s)
			} else {
				dropped = append(dropped, fmt.Sprintf("%s: %s", s.Check.Label(), why))
			}
		}
		suggested = kept
		fmt.Fprintf(w, "# %s: suggestions from %s rows, checked on %s held out\n", m.ID(), output.Count(prof.Rows), output.Count(hp.Rows))
	} else {
		fmt.Fprintf(w, "# %s: suggestions from %s rows\n", m.ID(), output.Count(prof.Rows))
	}
	if prof.Rows < MinSample {
		fmt.Fprintf(w, "# %s rows are fewer than the %d a check from the data needs: only what the project declares is suggested; build with more rows and run this again\n",
			output.Count(prof.Rows), MinSample)
	}
	add := make([]yamledit.ColumnCheck, len(suggested))
	for i, s := range suggested {
		add[i] = yamledit.ColumnCheck{Check: s.Check, Comment: s.Evidence}
	}
	if len(add) > 0 {
		y, err := yamledit.ChecksYAML(add)
		if err != nil {
			return err
		}
		fmt.Fprint(w, y)
	} else {
		fmt.Fprintln(w, "# nothing new to suggest")
	}
	if len(declared) > 0 {
		fmt.Fprintf(w, "# already declared: %s\n", strings.Join(declared, ", "))
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "# not suggested, the sample does not support it:\n")
		for _, d := range skipped {
			fmt.Fprintf(w, "#   %s\n", d)
		}
	}
	if len(dropped) > 0 {
		fmt.Fprintf(w, "# dropped, failing on the holdout:\n")
		for _, d := range dropped {
			fmt.Fprintf(w, "#   %s\n", d)
		}
	}
	if !o.Write || len(add) == 0 {
		return nil
	}
	text, err := yamledit.AddChecks(m, add)
	if err != nil {
		return err
	}
	if _, err := project.ParseModel(m.Path, m.Schema, m.Name, text, p.Config.Models); err != nil {
		return fmt.Errorf("the merged header would not load, %s is unchanged: %w", m.Path, err)
	}
	path := filepath.Join(p.Dir, filepath.FromSlash(m.Path))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %d check%s into %s\n", len(add), diag.Plural(len(add)), m.Path)
	return nil
}
