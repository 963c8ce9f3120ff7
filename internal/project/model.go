package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/diag"
)

// Materialization is how a model is kept in the warehouse.
type Materialization string

// The materializations, as written in a header or elt.yaml.
const (
	View        Materialization = "view"
	Table       Materialization = "table"
	Incremental Materialization = "incremental" // merged by unique_key
)

// Materializations are the ways a model can be built.
var Materializations = []Materialization{View, Table, Incremental}

func validMaterialized(m Materialization) bool {
	return slices.Contains(Materializations, m)
}

// materializationList is the list for error messages.
func materializationList() string {
	names := make([]string, len(Materializations))
	for i, m := range Materializations {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}

// Model is one SQL file under models/: models/<schema>/<name>.sql is the
// relation <schema>.<name>.
type Model struct {
	Schema string
	Name   string
	// Path is relative to the project folder, with / separators.
	Path string
	// Text is the whole file as written.
	Text string
	// Body is Text with the header comment blanked out (newlines kept),
	// so offsets and line numbers in Body are those of the file.
	Body   string
	Header Header
	// Seed is the CSV file a seed is read from; "" for a model file.
	Seed string
}

// Header is the YAML held in a model's leading /* ... */ comment.
type Header struct {
	Materialized Materialization `yaml:"materialized"`
	Description  string          `yaml:"description"`
	Tags         []string        `yaml:"tags"`
	Columns      []Column        `yaml:"columns"`
	// UniqueKey is the column an incremental model keeps one row per value of.
	UniqueKey string `yaml:"unique_key"`
	// OrderBy picks the winner among rows with the same key when new rows
	// are merged (an ORDER BY list; the first row wins), for incremental
	// models that read sources.
	OrderBy string `yaml:"order_by"`
	// AffectedKeys is a query returning the unique_key values to recompute,
	// for incremental models that read other models; it reads the inputs'
	// change sets, temporary tables changes_<schema>__<name>.
	AffectedKeys string `yaml:"affected_keys"`
	// KeyedInputs are input models whose rows affect only the output rows
	// with the same unique_key value; when affected keys are recomputed they
	// are read for those keys only.
	KeyedInputs []string `yaml:"keyed_inputs"`
	// Vars are the model's settings, set as DuckDB variables before its
	// statements run and read in its SQL with getvariable('name').
	Vars map[string]any `yaml:"vars"`
	// Online publishes the model's changed rows to a feature store after
	// each build.
	Online *Online `yaml:"online"`
	// Checks are model-level data checks (row_count, expression, ...).
	Checks []contract.Check `yaml:"checks"`
	// Export writes the built table to files after each publish.
	Export *Export `yaml:"export"`
	// Redshift shapes the generated CREATE TABLE (elt ddl).
	Redshift *Redshift `yaml:"redshift"`
}

// Online says how a model's rows are served: one Redis hash per row, at
// KeyPrefix + its unique_key value, expiring after TTL (none when empty).
type Online struct {
	KeyPrefix string `yaml:"key_prefix"`
	TTL       string `yaml:"ttl"`
}

// Export says which files to write under <output>/<schema>/<name>/<format>/.
type Export struct {
	Formats []string `yaml:"formats"` // parquet, csv
	// PartitionBy writes Hive-style folders, e.g. dt=2026-11-01; the
	// partition values are computed by SQL expressions and are not columns
	// of the files.
	PartitionBy []Partition `yaml:"partition_by"`
	// KeepRuns is how many published runs an export to S3 keeps (1 to 100;
	// 0, unset, is 2): the current one and those readers may still be on.
	KeepRuns int `yaml:"keep_runs"`
}

// Partition is one Hive partition level.
type Partition struct {
	Name string `yaml:"name"`
	Expr string `yaml:"expr"`
}

// Redshift holds the table options of the generated DDL.
type Redshift struct {
	// Exclude leaves the model out of elt ddl (every model is in it by
	// default, with Redshift's defaults when it has no redshift: section).
	Exclude   bool     `yaml:"exclude"`
	DistStyle string   `yaml:"diststyle"` // auto, even, key, all
	DistKey   string   `yaml:"dist_key"`
	SortKey   []string `yaml:"sort_key"`
	SortStyle string   `yaml:"sort_style"` // compound or interleaved
}

// Column documents one output column of a model.
type Column struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Length sizes the column's Redshift VARCHAR (bytes, 1 to contract.MaxLength);
	// without it the size is the max_length of the source field the column is copied
	// from, else a default (elt ddl never measures data).
	Length int `yaml:"length"`
	// NotNull and Encode go into the Redshift DDL.
	NotNull bool   `yaml:"not_null"`
	Encode  string `yaml:"encode"`
	// Checks are data checks of this column.
	Checks []contract.Check `yaml:"checks"`
}

// ID is the model's qualified name, schema.name.
func (m *Model) ID() string { return m.Schema + "." + m.Name }

// LoadModels discovers models/<schema>/<name>.sql under dir.
func LoadModels(dir string, defaults ModelDefaults) ([]*Model, error) {
	var models []*Model
	var errs diag.Errors
	err := WalkFiles(dir, "models", func(rel, path string) error {
		// Hidden files and folders are an editor's or a tool's (Emacs's
		// lock link .#orders.sql, a .git folder): not models, and not
		// named in the warning of UnreadModelFiles either.
		if !strings.HasSuffix(rel, ".sql") || strings.HasPrefix(rel, ".") || strings.Contains(rel, "/.") {
			return nil
		}
		parts := strings.Split(rel, "/")
		if len(parts) != 3 {
			errs = append(errs, &diag.FileError{Path: rel, Msg: "a model must be models/<schema>/<name>.sql", Hint: "move it into one schema folder such as models/silver/"})
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read model %s: %w", rel, err)
		}
		m, err := ParseModel(rel, parts[1], strings.TrimSuffix(parts[2], ".sql"), string(data), defaults)
		if err != nil {
			errs.Add(err)
			return nil
		}
		models = append(models, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(models, func(i, j int) bool { return models[i].ID() < models[j].ID() })
	return models, errs.Err()
}

// ParseModel parses a model file's header and body.
func ParseModel(path, schema, name, text string, defaults ModelDefaults) (*Model, error) {
	m := &Model{Schema: schema, Name: name, Path: path, Text: text, Body: text}
	for _, id := range []string{schema, name} {
		if !contract.IsIdent(id) {
			return nil, &diag.FileError{Path: path, Msg: fmt.Sprintf("%q is not a plain identifier: use letters, digits and _ in model folder and file names", id)}
		}
	}
	start := len(text) - len(strings.TrimLeft(text, " \t\r\n"))
	if strings.HasPrefix(text[start:], "/*") {
		end := strings.Index(text[start+2:], "*/")
		if end < 0 {
			line, col := diag.Position(text, start)
			return nil, diag.At(path, text, line, col, "the header comment is never closed: end it with */")
		}
		yamlStart := start + 2
		yamlText := text[yamlStart : yamlStart+end]
		line, col := diag.Position(text, yamlStart)
		if err := diag.DecodeStrict(path, text, yamlText, line-1, col-1, &m.Header); err != nil {
			return nil, err
		}
		m.Body = text[:start] + blank(text[start:yamlStart+end+2]) + text[yamlStart+end+2:]
	}
	if m.Header.Materialized == "" {
		m.Header.Materialized = defaults.Materialized
	}
	if m.Header.Materialized == "" {
		m.Header.Materialized = View
	}
	if !validMaterialized(m.Header.Materialized) {
		line, col := diag.FindKey(text, "materialized")
		return nil, diag.At(path, text, line, col, "materialized must be one of %s, found %q", materializationList(), m.Header.Materialized)
	}
	if m.Header.Materialized == Incremental && !contract.IsIdent(m.Header.UniqueKey) {
		line, col := diag.FindKey(text, "materialized")
		return nil, diag.At(path, text, line, col, "an incremental model needs unique_key: one column name, found %q", m.Header.UniqueKey)
	}
	if e := m.Header.Export; e != nil {
		for _, f := range e.Formats {
			if f != "parquet" && f != "csv" {
				line, col := diag.FindKey(text, "formats")
				return nil, diag.At(path, text, line, col, "export formats are parquet and csv, found %q", f)
			}
		}
		for _, p := range e.PartitionBy {
			if !contract.IsIdent(p.Name) || strings.TrimSpace(p.Expr) == "" {
				line, col := diag.FindKey(text, "partition_by")
				return nil, diag.At(path, text, line, col, "each partition_by entry needs a name (a plain identifier) and an expr")
			}
		}
		if line, col := diag.FindKey(text, "keep_runs"); col > 0 && (e.KeepRuns < 1 || e.KeepRuns > 100) {
			return nil, diag.At(path, text, line, col, "export keep_runs must be from 1 to 100 (the published runs kept on S3), found %d", e.KeepRuns)
		}
	}
	for name, v := range m.Header.Vars {
		line, col := diag.FindKey(text, name)
		switch {
		case !contract.IsIdent(name):
			return nil, diag.At(path, text, line, col, "variable name %q must be a plain identifier", name)
		default:
			switch v.(type) {
			case int, int64, float64, string, bool:
			default:
				return nil, diag.At(path, text, line, col, "variable %s must be a number, text or true/false", name)
			}
			if err := VarValue(v); err != nil {
				return nil, diag.At(path, text, line, col, "variable %s: %v", name, err)
			}
		}
	}
	if o := m.Header.Online; o != nil {
		line, col := diag.FindKey(text, "online")
		if m.Header.Materialized != Incremental {
			return nil, diag.At(path, text, line, col, "online publishing needs an incremental model (it publishes the rows each build changes)")
		}
		if o.TTL != "" {
			if d, err := time.ParseDuration(o.TTL); err != nil || d <= 0 {
				return nil, diag.At(path, text, line, col, "online ttl %q is not a positive duration such as 24h or 90m", o.TTL)
			}
		}
	}
	for i, c := range m.Header.Columns {
		at := []string{"columns", strconv.Itoa(i), "length"}
		if _, _, given := m.headerValue(at...); given && (c.Length < 1 || c.Length > contract.MaxLength) {
			return nil, m.HeaderError(at, "column %s: length is a size in bytes from 1 to %d (Redshift's largest VARCHAR), found %d", c.Name, contract.MaxLength, c.Length)
		}
	}
	if strings.TrimSpace(m.Body) == "" {
		return nil, &diag.FileError{Path: path, Msg: "the model has no query", Hint: "write one SELECT statement after the header"}
	}
	return m, nil
}

// blank replaces every character but line breaks with a space.
func blank(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c != '\n' && c != '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}

// ModelDir is the folder of the model files.
const ModelDir = "models"

// UnreadModelFiles names what under models/ elt does not read, for a
// warning: files that are not .sql (a .py model, a schema.yml), and each
// folder nested in a schema folder (models/silver/snapshots/) once, with a
// trailing /. A .sql file in the wrong place is an error LoadModels
// reports instead; hidden files and folders (.gitkeep) are left out.
func UnreadModelFiles(dir string) ([]string, error) {
	root := filepath.Join(dir, ModelDir)
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return filepath.SkipDir
			}
			return err
		}
		if path == root {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		depth := strings.Count(rel, "/") // models/<schema> is 1
		switch {
		case d.IsDir() && depth >= 2:
			// A .sql file inside is an error LoadModels reports; otherwise
			// the folder is named once, for all it holds.
			if !containsSQL(path) {
				out = append(out, rel+"/")
			}
			return filepath.SkipDir
		case !d.IsDir() && !strings.HasSuffix(rel, ".sql"):
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// containsSQL tells whether a folder holds a .sql file at any depth.
func containsSQL(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".sql") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// Checks returns every check of the model, column checks first, each with
// its column set.
func (m *Model) Checks() []contract.Check {
	var out []contract.Check
	for _, col := range m.Header.Columns {
		for _, c := range col.Checks {
			c.Column = col.Name
			out = append(out, c)
		}
	}
	out = append(out, m.Header.Checks...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}
