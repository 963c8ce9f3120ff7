package inspect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/describe"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
)

// DDLFile is one design/<schema>.<name>.sql (compile.DDLFile).
type DDLFile = compile.DDLFile

// SizeAdvice is what --measure found for one text column
// (compile.SizeAdvice).
type SizeAdvice = compile.SizeAdvice

// DDLOptions choose what elt ddl makes: COPY statements from the exports
// under the S3 prefix Copy (with IAMRole), the sizes the warehouse's data
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
		copies, err := compile.Copies(ctx, cat.DB, models, opt.Copy, opt.IAMRole)
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
