// Package infer owns elt source infer: it samples bronze folders (or single
// files) with DuckDB's own sniffers and returns the source entries (format,
// fields with types, required) for elt.yaml's sources: key.
package infer

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/ingest/discover"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Options say how to write the inferred sources.
type Options struct {
	// Bronze is the project's bronze folder (absolute; empty for none): a
	// folder under it is declared by its path relative to it.
	Bronze string
	// Indent is how many spaces the entries are indented by, as elt.yaml
	// indents those under its sources: (yamledit.SourcesIndent).
	Indent int
}

// Inferred is what Infer found: the sources' names and their entries, to
// go under elt.yaml's sources: key.
type Inferred struct {
	Names []string
	// Block is the entries, each indented by Options.Indent, without
	// a sources: key of its own: it pastes under the one elt.yaml has, or
	// yamledit.AddSources merges it.
	Block string
	// Outside lists the paths sampled that are not under
	// Options.Bronze: a build would not find them.
	Outside []string
}

// Infer samples bronze folders (or single files) with DuckDB's own sniffers
// and returns entries for elt.yaml's sources: declaring each: its format,
// its fields with types, and required where no value is missing. Each
// folder's name becomes the source's name; its path is the folder's path
// under o.Bronze, else its name (for a project whose bronze root is the
// folder's parent). Every value written is one elt build accepts.
func Infer(ctx context.Context, paths []string, o Options) (*Inferred, error) {
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := ingest.Macros(ctx, db); err != nil {
		return nil, err
	}
	if o.Indent <= 0 {
		o.Indent = 2
	}
	out := &Inferred{}
	var b strings.Builder
	for _, p := range paths {
		in, err := inferSource(ctx, db, p, o.Bronze)
		if err != nil {
			return nil, briefError(err)
		}
		if slices.Contains(out.Names, in.name) {
			return nil, fmt.Errorf("%s would be a second source named %s: sample one folder of each name at a time", p, in.name)
		}
		out.Names = append(out.Names, in.name)
		if in.outside {
			out.Outside = append(out.Outside, p)
		}
		b.WriteString(in.yaml(strings.Repeat(" ", o.Indent)))
	}
	out.Block = b.String()
	return out, nil
}

// maxMessageLine is the longest line of an error message Infer passes on
// (DuckDB quotes whole lines of the file it sniffs: a 3 MB line would be
// printed whole).
const maxMessageLine = 200

// briefError cuts each line of err's message to maxMessageLine characters,
// with an ellipsis.
func briefError(err error) error {
	lines := strings.Split(err.Error(), "\n")
	cut := false
	for i, l := range lines {
		if r := []rune(l); len(r) > maxMessageLine {
			lines[i] = string(r[:maxMessageLine]) + fmt.Sprintf("… (%s characters more)", output.Count(int64(len(r)-maxMessageLine)))
			cut = true
		}
	}
	if !cut {
		return err
	}
	return &brief{msg: strings.Join(lines, "\n"), err: err}
}

// brief is an error with a shorter message than the error it wraps.
type brief struct {
	msg string
	err error
}

func (e *brief) Error() string { return e.msg }
func (e *brief) Unwrap() error { return e.err }

// formatOf maps file extensions to formats.
var formatOf = map[string]contract.Format{".csv": contract.CSV, ".json": contract.NDJSON, ".jsonl": contract.NDJSON, ".ndjson": contract.NDJSON, ".parquet": contract.Parquet}

// inferred is one source inferred from a sample.
type inferred struct {
	name string
	dir  string // the folder its files are in
	src  contract.Source
	// The sample ingested by the inferred rules: records, and the
	// quarantined ones by reason.
	records int64
	reasons map[string]int64
	// notes are said in comments above the fields.
	notes []string
	// outside is set when the folder is not under the project's bronze
	// folder, where a build looks for it.
	outside bool
}

func inferSource(ctx context.Context, db *warehouse.DB, path, bronze string) (*inferred, error) {
	in, from, err := sample(path)
	if err != nil {
		return nil, err
	}
	if bronze != "" {
		if rel, err := filepath.Rel(bronze, in.dir); err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			in.src.Path = filepath.ToSlash(rel)
		} else {
			in.outside = true
			in.notes = append(in.notes, fmt.Sprintf("%s is not a folder under the bronze folder %s: move it there, so that path: finds it", in.dir, bronze))
		}
	}
	var nonText map[string]bool
	if in.src.Format == contract.NDJSON {
		// One text column per top-level key, in the order keys first appear.
		if from, nonText, err = jsonColumns(ctx, db, from); err != nil {
			return nil, fmt.Errorf("sample %s: %w", path, err)
		}
		if nonText[""] {
			in.notes = append(in.notes, `a key with no name ("") is in the sample: it cannot be declared, so its values are not read`)
		}
	}
	cols, err := describe(ctx, db, from)
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w", path, err)
	}
	taken := map[string]bool{}
	for _, c := range cols {
		p, err := profileColumn(ctx, db, from, c.name)
		if err != nil {
			return nil, fmt.Errorf("sample %s: %w", path, err)
		}
		typ := fieldType(c, p)
		if typ == "text" && nonText[c.name] {
			typ = "json" // values of several JSON types: keep each as JSON
		}
		// Columns whose names make the same identifier ("a b" and "A_B")
		// each get their own field: a_b, a_b_2.
		name := sourceName(c.name)
		for i := 2; taken[name]; i++ {
			name = fmt.Sprintf("%s_%d", sourceName(c.name), i)
		}
		taken[name] = true
		f := contract.Field{Name: name, Type: contract.FieldType(typ), Required: p.values == p.rows}
		if f.Name != c.name {
			f.Column = c.name
		}
		in.src.Fields = append(in.src.Fields, f)
	}
	if err := in.measure(ctx); err != nil {
		return nil, fmt.Errorf("sample %s: %w", path, err)
	}
	return in, nil
}

// sample finds the files of path (a folder, or one file), their format
// (the most common one), and the query DuckDB's sniffer reads them with.
func sample(path string) (*inferred, string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, "", err
	}
	in := &inferred{dir: abs, name: sourceName(filepath.Base(abs))}
	files := []string{abs}
	if info.IsDir() {
		files = nil
		if err := filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && formatOf[strings.ToLower(filepath.Ext(p))] != "" {
				files = append(files, p)
			}
			return err
		}); err != nil {
			return nil, "", err
		}
	} else {
		in.dir = filepath.Dir(abs)
		in.name = sourceName(strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs)))
		in.src.Patterns = []string{filepath.Base(abs)}
	}
	byFormat := map[contract.Format][]string{}
	for _, f := range files {
		k := formatOf[strings.ToLower(filepath.Ext(f))]
		byFormat[k] = append(byFormat[k], f)
	}
	for f, list := range byFormat {
		if f != "" && (in.src.Format == "" || len(list) > len(byFormat[in.src.Format]) ||
			(len(list) == len(byFormat[in.src.Format]) && f < in.src.Format)) {
			in.src.Format = f
		}
	}
	if in.src.Format == "" {
		return nil, "", fmt.Errorf("%s holds no .csv, .json, .jsonl, .ndjson or .parquet file to infer a source from", path)
	}
	files = byFormat[in.src.Format]
	sort.Strings(files)
	in.src.Path = filepath.Base(in.dir)
	list := make([]string, len(files))
	for i, f := range files {
		list[i] = sqlname.Literal(f)
	}
	// The sniffers read a line as long as the longest file holds, where
	// DuckDB's own limits (2 MB a CSV line, 16 MB a JSON object) are lower;
	// DuckDB holds buffers of that size, so up to sniffLimit.
	longest := int64(2 << 20)
	for _, f := range files {
		if info, err := os.Stat(f); err == nil {
			longest = max(longest, min(info.Size()+1, sniffLimit))
		}
	}
	read := map[contract.Format]string{
		contract.CSV:     "read_csv([%[1]s], union_by_name = true, ignore_errors = true, hive_partitioning = false, all_varchar = true, max_line_size = %[2]d, buffer_size = %[2]d)",
		contract.NDJSON:  "read_ndjson_objects([%[1]s], ignore_errors = true, hive_partitioning = false, maximum_object_size = %[2]d)",
		contract.Parquet: "read_parquet([%[1]s], union_by_name = true, hive_partitioning = false)",
	}[in.src.Format]
	return in, fmt.Sprintf(read, strings.Join(list, ", "), longest), nil
}

// sniffLimit is the longest line source infer samples, in bytes.
const sniffLimit = 256 << 20

// measure ingests the sample by the inferred rules, in a scratch
// warehouse, to count what they would quarantine.
func (in *inferred) measure(ctx context.Context) error {
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := state.Migrate(db.DB); err != nil {
		return err
	}
	src := in.src
	if len(src.Patterns) == 0 {
		src.Patterns = contract.DefaultPatterns(src.Format)
	}
	s := ingest.Source{Name: in.name, Dir: in.dir, Prefix: in.src.Path, Source: src}
	l, err := discover.Discover(ctx, s.Folder())
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := ingest.Ingest(ctx, tx, s, l.Files, ingest.Options{RunID: 1})
	if err != nil {
		return err
	}
	in.records = res.Records
	in.reasons, err = state.QuarantineReasons(ctx, tx, in.name)
	return err
}

// yaml renders the source as elt.yaml declares it. When the sample itself
// quarantines more than the default gate allows, the gate is set just above
// what it quarantined, and a comment says why.
func (in *inferred) yaml(indent string) string {
	var b strings.Builder
	in2 := indent + "  "
	fmt.Fprintf(&b, "%s%s:\n%sformat: %s\n%spath: %s\n", indent, in.name, in2, in.src.Format, in2, yamlString(in.src.Path))
	if len(in.src.Patterns) > 0 {
		fmt.Fprintf(&b, "%spatterns: [%s]\n", in2, yamlString(in.src.Patterns[0]))
	}
	var bad int64
	var why []string
	for r, n := range in.reasons {
		bad += n
		why = append(why, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(why)
	if in.records > 0 && float64(bad)*100/float64(in.records) > contract.DefaultMaxQuarantinePct {
		pct := float64(bad) * 100 / float64(in.records)
		fmt.Fprintf(&b, "%s# the sample quarantines %d of %d records (%.1f%%: %s)\n", in2, bad, in.records, pct, strings.Join(why, ", "))
		// Just above the share quarantined, and a percentage elt build
		// accepts (at most 100: the gate blocks only a larger share).
		fmt.Fprintf(&b, "%smax_quarantine_pct: %d\n", in2, min(100, int(pct)+1))
	}
	for _, n := range in.notes {
		fmt.Fprintf(&b, "%s# %s\n", in2, n)
	}
	fmt.Fprintf(&b, "%sfields:\n", in2)
	for _, f := range in.src.Fields {
		typ := string(f.Type)
		if strings.Contains(typ, ",") {
			typ = `"` + typ + `"`
		}
		fmt.Fprintf(&b, "%s  - {name: %s, type: %s", in2, f.Name, typ)
		if f.Column != "" {
			fmt.Fprintf(&b, ", column: %s", yamlString(f.Column))
		}
		if f.Required {
			b.WriteString(", required: true")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// jsonColumns is a query of the JSON objects read by from with one text
// column per top-level key (a nested value as its JSON text), keys in the
// order they first appear; and the keys that hold a value that is not a
// string (or null), with "" when some object has a key with no name.
func jsonColumns(ctx context.Context, db *warehouse.DB, from string) (string, map[string]bool, error) {
	objects := "FROM " + from + " WHERE coalesce(try(json_type(json)), '') = 'OBJECT'"
	rows, err := db.QueryContext(ctx, "SELECT json_keys(json) "+objects)
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	var keys []string
	seen := map[string]bool{}
	unnamed := false
	for rows.Next() {
		var ks []any
		if err := rows.Scan(&ks); err != nil {
			return "", nil, err
		}
		for _, k := range ks {
			// A key with no name cannot be addressed by a JSON path, nor
			// declared: nonText[""] says the sample has one.
			if s, ok := k.(string); ok && s == "" {
				unnamed = true
			} else if ok && !seen[s] {
				seen[s] = true
				keys = append(keys, s)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, err
	}
	if len(keys) == 0 {
		return "", nil, fmt.Errorf("no JSON objects to sample")
	}
	cols := make([]string, len(keys))
	kinds := make([]string, len(keys))
	for i, k := range keys {
		path := sqlname.Literal(`$."` + strings.ReplaceAll(strings.ReplaceAll(k, `\`, `\\`), `"`, `\"`) + `"`)
		cols[i] = fmt.Sprintf("CASE WHEN json_type(json, %[1]s) IN ('OBJECT', 'ARRAY') THEN json_extract(json, %[1]s)::VARCHAR ELSE json_extract_string(json, %[1]s) END AS %[2]s",
			path, sqlname.Ident(k))
		kinds[i] = fmt.Sprintf("count(*) FILTER (WHERE json_type(json, %s) NOT IN ('VARCHAR', 'NULL'))", path)
	}
	counts := make([]any, len(keys))
	ptrs := make([]any, len(keys))
	for i := range counts {
		ptrs[i] = &counts[i]
	}
	if err := db.QueryRowContext(ctx, "SELECT "+strings.Join(kinds, ", ")+" "+objects).Scan(ptrs...); err != nil {
		return "", nil, err
	}
	nonText := map[string]bool{"": unnamed}
	for i, k := range keys {
		if n, ok := counts[i].(int64); ok && n > 0 {
			nonText[k] = true
		}
	}
	return "(SELECT " + strings.Join(cols, ", ") + " " + objects + ")", nonText, nil
}

type column struct{ name, typ string }

func describe(ctx context.Context, db *warehouse.DB, from string) ([]column, error) {
	rows, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+from+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.typ); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

var idNameRe = regexp.MustCompile(`(?i)(^id$|_id$)`)

// sampleProfile is what one scan of a sampled column finds: its rows, the values
// that are not blank, and how many of those read as each kind of value.
type sampleProfile struct {
	rows, values, ints, decs, scale, dates, stamps, bools, jsons int64
}

func profileColumn(ctx context.Context, db *warehouse.DB, from, col string) (sampleProfile, error) {
	var p sampleProfile
	err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*), count(v),
		count(*) FILTER (WHERE regexp_full_match(v, '-?[0-9]+')),
		count(*) FILTER (WHERE regexp_full_match(v, '-?[0-9]+(\.[0-9]+)?')),
		coalesce(max(length(split_part(v, '.', 2))) FILTER (WHERE regexp_full_match(v, '-?[0-9]+(\.[0-9]+)?')), 0),
		count(*) FILTER (WHERE regexp_full_match(v, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND try_cast(v AS DATE) IS NOT NULL),
		count(*) FILTER (WHERE elt_ts_text(v) IS NOT NULL),
		count(*) FILTER (WHERE lower(v) IN ('true', 'false')),
		count(*) FILTER (WHERE (v[1] = '{' OR v[1] = '[') AND coalesce(try(json_valid(v)), false))
		FROM (SELECT nullif(trim(CAST(%s AS VARCHAR)), '') AS v FROM %s)`, sqlname.Ident(col), from)).
		Scan(&p.rows, &p.values, &p.ints, &p.decs, &p.scale, &p.dates, &p.stamps, &p.bools, &p.jsons)
	return p, err
}

// fieldType maps a sampled column to a field type: by DuckDB's type where
// it has one, and for text by what every value in the sample is (an id by
// its name; an integer, a decimal, a date, a timestamp by the contract's
// rule, a boolean or JSON), else text.
func fieldType(c column, p sampleProfile) string {
	t := strings.ToUpper(c.typ)
	switch {
	case t == "BOOLEAN":
		return "boolean"
	case strings.Contains(t, "INT"):
		if idNameRe.MatchString(c.name) {
			return "id"
		}
		return "integer"
	case strings.HasPrefix(t, "DECIMAL"):
		return strings.ToLower(strings.ReplaceAll(t, " ", ""))
	case t == "DATE":
		return "date"
	case strings.HasPrefix(t, "TIMESTAMP"):
		return "timestamp"
	case t == "JSON" || strings.HasSuffix(t, "[]") || strings.HasPrefix(t, "STRUCT") || strings.HasPrefix(t, "MAP"):
		return "json"
	case t != "VARCHAR" && t != "DOUBLE" && t != "FLOAT":
		return "text"
	}
	n := p.values
	switch {
	case n == 0:
		return "text"
	case idNameRe.MatchString(c.name):
		return "id"
	case p.ints == n:
		return "integer"
	case p.decs == n && p.scale <= 18:
		return fmt.Sprintf("decimal(%d,%d)", 18, p.scale)
	case p.dates == n:
		return "date"
	case p.stamps == n:
		return "timestamp"
	case p.bools == n:
		return "boolean"
	case p.jsons == n:
		return "json"
	}
	return "text"
}

var notIdentRe = regexp.MustCompile(`[^a-z0-9_]+`)

// sourceName makes a plain identifier of a file's name for a thing.
func sourceName(s string) string {
	n := strings.Trim(notIdentRe.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if n == "" || (n[0] >= '0' && n[0] <= '9') {
		n = "f_" + n
	}
	return n
}

// yamlString quotes s for YAML when it needs it.
func yamlString(s string) string {
	if regexp.MustCompile(`^[A-Za-z0-9_./-]+$`).MatchString(s) && !strings.HasPrefix(s, "-") {
		return s
	}
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}
