package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/redshift"
	"github.com/digitalservices/elt/internal/sqlname"
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
	// Version names the run whose rows of the model the files hold (its id
	// and start, state.Runs.Version): the one that wrote them, or a later
	// one that kept them (the rows unchanged).
	Version string `json:"version"`
	// Definition hashes what wrote the files (definition): the query, the
	// column types, each format's COPY options, DuckDB and its time zone.
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

// definition hashes what an export of m is written by: its query x (the
// columns, their types and casts, the partition values), each format's
// options, and the DuckDB and time zone that write them.
func definition(ctx context.Context, q warehouse.Querier, m *project.Model, x exportQuery) (string, error) {
	sel, parts, t := x.sel, x.parts, x.t
	var version, zone string
	if err := q.QueryRowContext(ctx, `SELECT version(), current_setting('TimeZone')`).Scan(&version, &zone); err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", version, zone, sel)
	for _, c := range t.Columns {
		fmt.Fprintf(h, "%s\x00%s\x00", c.Name, c.Type)
	}
	for _, f := range m.Header.Export.Formats {
		fmt.Fprintf(h, "%s\x00%s\x00", f, copyOptions(f, parts))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stamps lists the files under dir but the record, in walking order
// (lake.LocalFiles).
func stamps(dir string) ([]fileStamp, error) {
	rels, err := lake.LocalFiles(dir)
	if err != nil {
		return nil, err
	}
	var out []fileStamp
	for _, rel := range rels {
		if rel == RecordName {
			continue
		}
		info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		out = append(out, fileStamp{Path: rel, Size: info.Size(), ModTime: info.ModTime().UnixNano()})
	}
	return out, nil
}

// writeRecord writes the record of the export of m just written into dir
// by query x: rows rows, of the run version names.
func writeRecord(ctx context.Context, q warehouse.Querier, m *project.Model, x exportQuery, dir, version string, rows int64) error {
	def, err := definition(ctx, q, m, x)
	if err != nil {
		return err
	}
	files, err := stamps(dir)
	if err != nil {
		return err
	}
	return saveRecord(dir, exportRecord{Model: m.ID(), Version: version, Definition: def, Rows: rows, Files: files})
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
// model's rows: the build left them as the run since (state.Runs.Version)
// made them, the export's record says it holds that run's rows, written
// by the same query, options and DuckDB, its files are those it lists
// (same paths, sizes and modification times; none added or removed), and
// its partition values are of each row alone (rowOnly). The record then
// names the run now. It returns the rows exported, and false when the
// export is to be written again, which is also the answer when anything in
// the way cannot be read or written (Write then says what is wrong, or
// replaces it).
func Keep(ctx context.Context, q warehouse.Querier, m *project.Model, output, since, now string) (rows int64, kept bool) {
	e := m.Header.Export
	if e == nil || len(e.Formats) == 0 || since == "" {
		return 0, false
	}
	dir := Dir(output, m)
	r, _, ok := holds(ctx, q, m, dir, since)
	if !ok {
		return 0, false
	}
	r.Version = now
	if saveRecord(dir, r) != nil {
		return 0, false
	}
	tidy(dir)
	return r.Rows, true
}

// holds tells whether the export of m in dir holds the model's rows of the
// run since names, written as it would be now: its record names m and that
// run, was written by the same query, options and DuckDB, and lists the
// files there are (same paths, sizes and modification times; none added or
// removed), and its partition values are of each row alone (rowOnly). It
// returns the record and the query.
func holds(ctx context.Context, q warehouse.Querier, m *project.Model, dir, since string) (r exportRecord, x exportQuery, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, RecordName))
	if err != nil || json.Unmarshal(b, &r) != nil || !strings.EqualFold(r.Model, m.ID()) || r.Version != since {
		return r, x, false
	}
	x, err = queryOf(ctx, q, m)
	if err != nil || !rowOnly(ctx, q, m, x.t) {
		return r, x, false
	}
	def, err := definition(ctx, q, m, x)
	if err != nil || def != r.Definition {
		return r, x, false
	}
	if files, err := stamps(dir); err != nil || !slices.Equal(files, r.Files) {
		return r, x, false
	}
	return r, x, true
}

// unsteady are functions DuckDB lists as CONSISTENT whose answer depends on
// the clock or the session all the same (age with one argument counts
// from today).
var unsteady = map[string]bool{"current_localtimestamp": true, "current_localtime": true, "age": true,
	"getvariable": true, "current_setting": true, "getenv": true, "version": true}

// rowOnly tells whether every partition value of m's export (over its
// columns t) is a function of its row alone, so that the same rows fall in
// the same partitions again: an expression reading only the model's
// columns and calling only DuckDB's own functions that always give the same
// answer (stability CONSISTENT, and none of unsteady, nor a name beginning
// current_ or get_current), with no subquery and no window. A macro (it
// may have been redefined since), current_date, random() or a subquery
// makes the export written again each time.
func rowOnly(ctx context.Context, q warehouse.Querier, m *project.Model, t redshift.Table) bool {
	names, cols := map[string]bool{}, map[string]bool{}
	for _, p := range m.Header.Export.PartitionBy {
		tree, err := warehouse.SelectTree(ctx, q, "SELECT ("+p.Expr+"\n)")
		if err != nil {
			return false
		}
		var root any
		if json.Unmarshal(tree, &root) != nil || !calls(root, names, cols) {
			return false
		}
	}
	for c := range cols {
		if !slices.ContainsFunc(t.Columns, func(tc redshift.Column) bool { return strings.EqualFold(tc.Name, c) }) {
			return false // current_date, say, which DuckDB reads as a name
		}
	}
	if len(names) == 0 {
		return true
	}
	var list []string
	for n := range names {
		if unsteady[n] || strings.HasPrefix(n, "current_") || strings.HasPrefix(n, "get_current") {
			return false
		}
		list = append(list, sqlname.Literal(n))
	}
	var known, consistent int
	err := q.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(DISTINCT lower(function_name)), count(DISTINCT lower(function_name)) FILTER (WHERE NOT EXISTS (
		SELECT 1 FROM duckdb_functions() AS o WHERE lower(o.function_name) = lower(f.function_name)
		AND NOT (o.internal AND o.function_type <> 'macro' AND o.stability = 'CONSISTENT')))
		FROM duckdb_functions() AS f WHERE lower(function_name) IN (%s)`, strings.Join(list, ", "))).Scan(&known, &consistent)
	return err == nil && known == len(names) && consistent == len(names)
}

// calls adds to names the functions a syntax tree calls and to cols the
// names it reads (lower case), and tells whether it holds no subquery and
// no window, and reads no name but a plain column's.
func calls(v any, names, cols map[string]bool) bool {
	switch x := v.(type) {
	case map[string]any:
		switch x["class"] {
		case "SUBQUERY", "WINDOW":
			return false
		case "FUNCTION":
			if n, ok := x["function_name"].(string); ok {
				names[strings.ToLower(n)] = true
			}
		case "COLUMN_REF":
			parts, _ := x["column_names"].([]any)
			n, ok := "", len(parts) == 1
			if ok {
				n, ok = parts[0].(string)
			}
			if !ok {
				return false
			}
			cols[strings.ToLower(n)] = true
		}
		for _, e := range x {
			if !calls(e, names, cols) {
				return false
			}
		}
	case []any:
		for _, e := range x {
			if !calls(e, names, cols) {
				return false
			}
		}
	}
	return true
}
