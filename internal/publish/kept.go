package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// RecordName is the file in an export's folder that says what the export
// holds: which model's rows as of which run, written by what query and
// options, in which files. It lets a build whose model's rows did not
// change keep the export as it is (Keep).
const RecordName = ".elt-export.json"

// exportRecord is what RecordName holds.
type exportRecord struct {
	Model string `json:"model"`
	// Run is the run whose rows of the model the files hold: the one that
	// wrote them, or a later one that kept them (the rows unchanged), of
	// the run history that began at History (state.Runs.Began: a
	// warehouse made again counts its runs from 1 again).
	Run     int64  `json:"run"`
	History string `json:"history"`
	// Definition is a hash of the query and COPY options of each format.
	Definition string      `json:"definition"`
	Rows       int64       `json:"rows"`
	Files      []fileStamp `json:"files"`
}

// fileStamp is one exported file as written: its path in the export's
// folder (slashes), size and modification time.
type fileStamp struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
}

// definition hashes what an export of m is written by: its query (the
// columns, their types and casts, the partition values) and each format's
// options.
func definition(ctx context.Context, q warehouse.Querier, m *project.Model) (string, error) {
	sel, parts, t, err := exportQuery(ctx, q, m)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", sel)
	for _, c := range t.Columns {
		fmt.Fprintf(h, "%s\x00%s\x00", c.Name, c.Type)
	}
	for _, f := range m.Header.Export.Formats {
		fmt.Fprintf(h, "%s\x00%s\x00", f, copyOptions(f, parts))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stamps lists the files under dir but the record, sorted by path.
func stamps(dir string) ([]fileStamp, error) {
	var out []fileStamp
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == RecordName {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, fileStamp{Path: filepath.ToSlash(rel), Size: info.Size(), ModTime: info.ModTime().UnixNano()})
		return nil
	})
	slices.SortFunc(out, func(a, b fileStamp) int { return strings.Compare(a.Path, b.Path) })
	return out, err
}

// writeRecord writes the record of the export of m just written into dir
// by run of history, rows rows.
func writeRecord(ctx context.Context, q warehouse.Querier, m *project.Model, dir, history string, run, rows int64) error {
	def, err := definition(ctx, q, m)
	if err != nil {
		return err
	}
	files, err := stamps(dir)
	if err != nil {
		return err
	}
	return saveRecord(dir, exportRecord{Model: m.ID(), Run: run, History: history, Definition: def, Rows: rows, Files: files})
}

// saveRecord writes r into dir, whole: under another name first, then
// renamed over the record it replaces.
func saveRecord(dir string, r exportRecord) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, RecordName+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := rename(tmp, filepath.Join(dir, RecordName)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Keep keeps the export of m in output as it is when it already holds the
// model's rows: the build left them unchanged since run since (of the run
// history that began at history), the export's record says it holds the
// rows as of that run of that history, written by the same query and
// options, and its files are those it lists (same paths, sizes and
// modification times; none added or removed). The record then says run
// holds them. It returns the rows exported, and false when the export is
// to be written again (no record, another run or history, another
// definition, a file changed, added or gone).
func Keep(ctx context.Context, q warehouse.Querier, m *project.Model, output, history string, since, run int64) (rows int64, kept bool, err error) {
	e := m.Header.Export
	if e == nil || len(e.Formats) == 0 || since <= 0 {
		return 0, false, nil
	}
	dir := Dir(output, m)
	b, err := os.ReadFile(filepath.Join(dir, RecordName))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, fmt.Errorf("export %s: %w", m.ID(), err)
	}
	var r exportRecord
	if json.Unmarshal(b, &r) != nil || !strings.EqualFold(r.Model, m.ID()) || r.Run != since || r.History != history {
		return 0, false, nil
	}
	def, err := definition(ctx, q, m)
	if err != nil {
		return 0, false, err
	}
	files, err := stamps(dir)
	if err != nil {
		return 0, false, fmt.Errorf("export %s: %w", m.ID(), err)
	}
	if def != r.Definition || !slices.Equal(files, r.Files) {
		return 0, false, nil
	}
	r.Run = run
	if err := saveRecord(dir, r); err != nil {
		return 0, false, fmt.Errorf("export %s: record it as of run %d: %w", m.ID(), run, err)
	}
	return r.Rows, true, nil
}
