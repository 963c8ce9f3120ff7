package compile

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/lineage"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/redshift"
	"github.com/digitalservices/elt/internal/warehouse"
)

// DDLFile is the Redshift DDL of one built model, and the file of the
// design folder it belongs in.
type DDLFile struct {
	Model *project.Model
	Path  string // absolute: <design>/<schema>.<name>.sql
	Rel   string // relative to the project folder, for messages
	Text  string
}

// DDLModels are the models selected (all when names is empty) less those
// excluded, on the command line or by redshift: {exclude: true} in their
// header (named models are generated even then).
func DDLModels(g *plan.Graph, names, exclude []string) ([]*project.Model, error) {
	ids, err := g.Select(names, exclude)
	if err != nil {
		return nil, err
	}
	var out []*project.Model
	for _, id := range ids {
		m := g.Nodes[id].Model
		if len(names) == 0 && m.Header.Redshift != nil && m.Header.Redshift.Exclude {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// DDL compiles the Redshift CREATE TABLE of each model. Its columns and
// their types come from cat, a DuckDB holding the project's relations as
// their SQL binds them, without data (describe.Describe): they follow from
// the SQL as it stands, never from a warehouse or its rows, so a project
// never built has its DDL too, and a changed model's DDL changes before
// it is rebuilt. Sizes come from declarations only (see Sizes), so the
// same project gives the same DDL everywhere.
func DDL(ctx context.Context, cat *warehouse.DB, p *project.Project, g *plan.Graph, models []*project.Model) ([]DDLFile, error) {
	sizes, err := Sizes(ctx, cat, p, g)
	if err != nil {
		return nil, err
	}
	var out []DDLFile
	design := p.Resolve(p.Config.Paths.Design)
	for _, m := range models {
		t, err := describe(ctx, cat, m, sizes)
		if err != nil {
			return nil, err
		}
		text, err := redshift.DDL(t)
		if err != nil {
			return nil, &diag.FileError{Path: m.Path, Msg: err.Error(), Hint: "set the redshift: section and column lengths in the model's header"}
		}
		path := filepath.Join(design, strings.ToLower(m.Schema+"."+m.Name)+".sql")
		rel, _ := filepath.Rel(p.Dir, path)
		out = append(out, DDLFile{Model: m, Path: path, Rel: rel, Text: text})
	}
	return out, nil
}

// describe is a model of the catalog q as a Redshift table, its sizes
// filled in.
func describe(ctx context.Context, q warehouse.Querier, m *project.Model, sizes map[string]map[string]Size) (redshift.Table, error) {
	t, err := redshift.Columns(ctx, q, m)
	if err != nil {
		return t, err
	}
	own := sizes[strings.ToLower(m.ID())]
	for i, c := range t.Columns {
		s := own[strings.ToLower(c.Name)]
		t.Columns[i].Length, t.Columns[i].JSONText = s.Length, s.JSON
	}
	return t, nil
}

// Size is what the project declares of a column's size.
type Size struct {
	// Length is the size in bytes declared for the column or for what it
	// is copied from; 0 when none is.
	Length int
	// From says where Length is declared, for messages.
	From string
	// JSON marks a column holding JSON (a json field, a nested value) or
	// text computed from it.
	JSON bool
}

// Sizes finds the declared size of every column of every model, by
// lower-case model ID and column name: the header's columns: length;
// else, for a column copied (perhaps cast) from columns that have one,
// the largest of theirs, following the column lineage of each model back
// to the sources, whose text and id fields may declare max_length. A
// column computed from JSON is marked JSON. Nothing is measured: the
// result depends on the project (and the column types its SQL gives, read
// from cat as DDL does), never on the rows.
func Sizes(ctx context.Context, cat *warehouse.DB, p *project.Project, g *plan.Graph) (map[string]map[string]Size, error) {
	catalog, err := catalogColumns(ctx, cat)
	if err != nil {
		return nil, err
	}
	aggregates, err := cat.AggregateNames(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]map[string]Size{}
	for table, cols := range catalog {
		for _, c := range cols {
			if redshift.Nested(c.typ) {
				if known[table] == nil {
					known[table] = map[string]Size{}
				}
				known[table][strings.ToLower(c.name)] = Size{JSON: true}
			}
		}
	}
	names := make([]string, 0, len(p.Config.Sources))
	for name := range p.Config.Sources {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		table := "bronze." + strings.ToLower(name)
		if known[table] == nil {
			known[table] = map[string]Size{}
		}
		for _, f := range p.Config.Sources[name].Fields {
			s := known[table][strings.ToLower(f.Name)]
			if f.Type.Base() == contract.JSON {
				s.JSON = true
			}
			if f.MaxLength > 0 {
				s.Length, s.From = f.MaxLength, fmt.Sprintf("%s: sources.%s field %s max_length", project.ConfigFile, name, f.Name)
			}
			known[table][strings.ToLower(f.Name)] = s
		}
	}
	columns := func(table string) []string {
		cols, ok := catalog[table]
		if !ok {
			return nil
		}
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = c.name
		}
		return out
	}
	for _, id := range g.Order {
		m := g.Nodes[id].Model
		cols := catalog[id]
		own := map[string]Size{}
		var lin lineage.Model
		if m.Seed == "" {
			// A model whose lineage cannot be read gets the defaults: the
			// same on every warehouse, as the SQL is.
			if tree, err := cat.SerializeSQL(ctx, m.Body); err == nil {
				lin, _ = lineage.Analyze(tree, m.Schema, lineage.Catalog{Columns: columns, Aggregates: aggregates})
			}
		}
		for i, c := range cols {
			var s Size
			var from []lineage.Source
			for _, lc := range lin.Columns {
				if strings.EqualFold(lc.Name, c.name) {
					from = lc.From
				}
			}
			if from == nil && len(lin.Columns) == len(cols) {
				from = lin.Columns[i].From
			}
			copied := len(from) > 0
			for _, f := range from {
				up := known[f.Table][f.Column]
				s.JSON = s.JSON || up.JSON
				if f.Via != lineage.Direct || up.Length == 0 {
					copied = false
				} else if up.Length > s.Length {
					s.Length, s.From = up.Length, up.From
				}
			}
			if !copied {
				s.Length, s.From = 0, ""
			}
			s.JSON = s.JSON || redshift.Nested(c.typ)
			for _, h := range m.Header.Columns {
				if strings.EqualFold(h.Name, c.name) && h.Length > 0 {
					s.Length, s.From = h.Length, m.Path+": columns "+h.Name+" length"
				}
			}
			own[strings.ToLower(c.name)] = s
		}
		known[id] = own
	}
	return known, nil
}

// catalogColumn is one column of a relation in the warehouse.
type catalogColumn struct{ name, typ string }

// catalogColumns are the warehouse's relations' columns in order, by
// lower-case schema.name.
func catalogColumns(ctx context.Context, q warehouse.Querier) (map[string][]catalogColumn, error) {
	rows, err := q.QueryContext(ctx, `SELECT lower(table_schema || '.' || table_name), column_name, data_type
		FROM information_schema.columns WHERE table_catalog = current_database()
		ORDER BY table_schema, table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]catalogColumn{}
	for rows.Next() {
		var table string
		var c catalogColumn
		if err := rows.Scan(&table, &c.name, &c.typ); err != nil {
			return nil, err
		}
		out[table] = append(out[table], c)
	}
	return out, rows.Err()
}

// SizeAdvice is one text or binary column measured in the warehouse: its
// type in the DDL and the type the longest value there suggests. It is
// advice: the DDL never reads it.
type SizeAdvice struct {
	Model, Column string
	DDL           string // the type the DDL gives
	Declared      string // where its size is declared; "" for the default
	Longest       int    // bytes
	Suggested     string // the type the longest value rounds up to; "" when the column holds no value
	// TooSmall is true when the longest value does not fit the DDL's
	// size: Redshift would reject it.
	TooSmall bool
}

// Measure scans each model's text and binary columns in the warehouse db
// for their longest value, for `elt ddl --measure`; the columns, their
// types in the DDL and their declared sizes come from cat, as DDL's do. A
// model not built, or built from other SQL than its file's, is an error
// saying to build it.
func Measure(ctx context.Context, db, cat *warehouse.DB, p *project.Project, g *plan.Graph, models []*project.Model) ([]SizeAdvice, error) {
	sizes, err := Sizes(ctx, cat, p, g)
	if err != nil {
		return nil, err
	}
	var out []SizeAdvice
	for _, m := range models {
		t, err := describe(ctx, cat, m, sizes)
		if err != nil {
			return nil, err
		}
		built, err := redshift.Columns(ctx, db, m)
		if err != nil {
			return nil, err
		}
		for _, c := range t.Columns {
			if redshift.Measurable(c) && !slices.ContainsFunc(built.Columns, func(b redshift.Column) bool { return strings.EqualFold(b.Name, c.Name) }) {
				return nil, fmt.Errorf("%s in the warehouse has no column %s, which its SQL returns: it was built from other SQL; run `elt build` first", m.ID(), c.Name)
			}
		}
		longest, err := redshift.Measure(ctx, db, m, t)
		if err != nil {
			return nil, err
		}
		for _, c := range t.Columns {
			if !redshift.Measurable(c) {
				continue
			}
			have, err := redshift.Map(c)
			if err != nil {
				return nil, err
			}
			a := SizeAdvice{Model: m.ID(), Column: c.Name, DDL: have.Redshift, Declared: sizes[strings.ToLower(m.ID())][strings.ToLower(c.Name)].From,
				Longest: longest[c.Name]}
			a.TooSmall = a.Longest > redshift.Size(c)
			if a.Longest > 0 { // no values suggest nothing
				c.Length = redshift.Advice(c, a.Longest)
				want, _ := redshift.Map(c)
				a.Suggested = want.Redshift
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// Copies compiles the Redshift COPY commands that load each model's Parquet
// export from under the S3 prefix into the table DDL creates (from the
// manifest elt publishes there, with manifest); cat is DDL's.
func Copies(ctx context.Context, cat warehouse.Querier, models []*project.Model, prefix, iamRole string, manifest bool) ([]string, error) {
	var out []string
	for _, m := range models {
		t, err := redshift.Columns(ctx, cat, m)
		if err != nil {
			return nil, err
		}
		out = append(out, redshift.Copy(t, prefix, iamRole, manifest))
	}
	return out, nil
}
