package inspect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/describe"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
)

// DDLFile is one design/<schema>.<name>.sql (compile.DDLFile).
type DDLFile = compile.DDLFile

// SizeAdvice is what --measure found for one text column
// (compile.SizeAdvice).
type SizeAdvice = compile.SizeAdvice

// DDLOptions choose what elt ddl makes: COPY statements from the exports
// under the S3 prefix Copy (with IAMRole; from their manifests when Copy is
// the project's output), the sizes the warehouse's data
// suggests (Measure), or else the DDL files.
type DDLOptions struct {
	Copy, IAMRole string
	Measure       bool
}

// DDLResult is what elt ddl prints or writes: one of Copies, Advice
// (measured in the warehouse at Warehouse) or Files.
type DDLResult struct {
	Copies    []string
	Advice    []SizeAdvice
	Warehouse string
	Files     []DDLFile
}

// DDL makes what elt ddl prints or writes for the models named (all when
// none) but those excluded. The columns and types are the SQL's as DuckDB
// binds it, in memory: no warehouse is read but --measure's. With Copy, the
// statements made before an error come back with it.
func DDL(ctx context.Context, dir string, o project.Overrides, names, exclude []string, opt DDLOptions) (*DDLResult, error) {
	p, g, err := compile.Load(ctx, dir, o)
	if err != nil {
		return nil, err
	}
	if err := compile.EmbeddedOnly(p, "elt ddl", "a build there creates the tables (elt compile --target prints their SQL)"); err != nil {
		return nil, err
	}
	models, err := compile.DDLModels(g, names, exclude)
	if err != nil {
		return nil, &UsageError{err}
	}
	ids := make([]string, len(models))
	for i, m := range models {
		ids[i] = strings.ToLower(m.ID())
	}
	cat, err := describe.Describe(ctx, p, g, ids, nil)
	if err != nil {
		return nil, err
	}
	defer cat.Close()
	if err := cat.Err(); err != nil {
		return nil, err
	}
	if opt.Copy != "" {
		// The project's own output on S3 is published by manifests.
		prefix, err := project.ParseURL(opt.Copy)
		if err != nil {
			return nil, &project.UsageError{Msg: "--copy takes an s3:// prefix: " + err.Error()}
		}
		out, err := project.ParseURL(p.Resolve(p.Config.Paths.Output))
		manifest := err == nil && out == prefix
		if manifest {
			// Only the models exported as Parquet have a manifest to load.
			models = slices.DeleteFunc(slices.Clone(models), func(m *project.Model) bool {
				return m.Header.Export == nil || !slices.Contains(m.Header.Export.Formats, "parquet")
			})
		}
		copies, err := compile.Copies(ctx, cat.DB, models, prefix, opt.IAMRole, manifest)
		return &DDLResult{Copies: copies}, err
	}
	if opt.Measure {
		db, err := state.Open(ctx, p, state.ReadOnly)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		advice, err := compile.Measure(ctx, db, cat.DB, p, g, models)
		if err != nil {
			return nil, err
		}
		return &DDLResult{Advice: advice, Warehouse: p.Resolve(p.Config.Paths.Warehouse)}, nil
	}
	files, err := compile.DDL(ctx, cat.DB, p, g, models)
	if err != nil {
		return nil, err
	}
	return &DDLResult{Files: files}, nil
}

// StaleDDL names the files (by path in the project) whose text on disk is
// not what DDL made: missing, or different (elt ddl --check).
func StaleDDL(files []DDLFile) []string {
	var stale []string
	for _, f := range files {
		if have, err := os.ReadFile(f.Path); err != nil || !bytes.Equal(have, []byte(f.Text)) {
			stale = append(stale, f.Rel)
		}
	}
	return stale
}

// WriteDDL writes the files DDL made, saying each on w (elt ddl).
func WriteDDL(files []DDLFile, w io.Writer) error {
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f.Path, []byte(f.Text), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s\n", f.Rel)
	}
	return nil
}

// WriteSizeAdvice writes what elt ddl --measure found in the warehouse at
// path: labelled as advice, since the DDL takes declared sizes only.
func WriteSizeAdvice(w io.Writer, path string, advice []SizeAdvice) {
	fmt.Fprintf(w, "Advice only, measured in %s; nothing was written.\n", path)
	fmt.Fprintln(w, "The DDL takes declared sizes, the same on every warehouse: to use a suggestion, declare it as length: in the model header's")
	fmt.Fprintln(w, "columns: (or max_length: on the source field it is copied from), then run elt ddl.")
	if len(advice) == 0 {
		fmt.Fprintln(w, "No text or binary columns.")
		return
	}
	var small []string
	for _, a := range advice {
		if a.TooSmall {
			small = append(small, fmt.Sprintf("%s.%s (%s, longest %d bytes)", a.Model, a.Column, a.DDL, a.Longest))
		}
	}
	res := &output.Result{Columns: []string{"model", "column", "ddl", "declared in", "longest (bytes)", "suggested"},
		Types: []string{"VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "VARCHAR"}}
	for _, a := range advice {
		declared := a.Declared
		if declared == "" {
			declared = "(default)"
		}
		suggested := a.Suggested
		if suggested == "" {
			suggested = "(no values)"
		}
		res.Rows = append(res.Rows, []any{a.Model, a.Column, a.DDL, declared, int64(a.Longest), suggested})
	}
	_ = output.Write(w, "table", res)
	if len(small) > 0 {
		fmt.Fprintf(w, "Too small for this warehouse's data (Redshift would reject the longer values): %s\n", strings.Join(small, ", "))
	}
}
