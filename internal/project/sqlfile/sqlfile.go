// Package sqlfile owns a project's SQL files beside its models: the
// macros of macros/ and the data tests of sql/tests/, read and walked (the
// project package loads them; DuckDB's parser separates and checks them in
// plan).
package sqlfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// MacroDir holds the project's macros: SQL files of CREATE MACRO
// statements, created before the models run.
const MacroDir = "macros"

// Macro is one file of macros/.
type Macro struct {
	Path string // relative to the project, / separated
	Text string
	// Statements are its CREATE MACRO statements, each with the line it
	// starts on, as DuckDB's parser separates them (plan.Macros).
	Statements []Statement
}

// Statement is one SQL statement of a file and the line it starts on.
type Statement struct {
	SQL  string
	Line int
	// Name is the macro's name as written (schema.name or name).
	Name string
	// Temp is a TEMP macro, which lasts one build.
	Temp bool
	// Shift is how many bytes elt added to the statement's first line
	// (OR REPLACE), to place errors in the file.
	Shift int
}

// WalkFiles calls fn for every file under dir/sub (a missing folder holds
// none), with its path relative to dir, / separated, and its full path.
func WalkFiles(dir, sub string, fn func(rel, path string) error) error {
	root := filepath.Join(dir, sub)
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		return fn(filepath.ToSlash(rel), path)
	})
}

// LoadMacros reads macros/*.sql. Their statements are separated, and
// checked to be CREATE MACRO statements, by DuckDB's parser when the project
// is planned (plan.Macros).
func LoadMacros(dir string) ([]Macro, error) {
	var out []Macro
	err := WalkFiles(dir, MacroDir, func(rel, path string) error {
		if !strings.HasSuffix(rel, ".sql") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out = append(out, Macro{Path: rel, Text: string(b)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", MacroDir, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// DataTestDir holds the project's data tests: one query a file, which must
// return no rows.
const DataTestDir = "sql/tests"

// SQLFile is one SQL file of the project.
type SQLFile struct {
	Path string // relative to the project, / separated
	Text string
}

// LoadDataTests reads sql/tests/*.sql, by path. DuckDB's parser checks
// that each is one query when the project is planned (plan.DataTests).
func LoadDataTests(dir string) ([]SQLFile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(DataTestDir), "*.sql"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []SQLFile
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", DataTestDir, err)
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, SQLFile{Path: filepath.ToSlash(rel), Text: string(b)})
	}
	return out, nil
}
