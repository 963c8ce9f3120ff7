package compile

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
)

// EngineStatement is a model's statement for another engine.
type EngineStatement struct {
	Model *project.Model
	// SQL creates the model under its staging name, reading the staging
	// names of the others built; for a seed (Model.Seed set), it is
	// DuckDB's query reading the seed's file, whose rows are copied to the
	// engine.
	SQL string
	// Publish, for a view, creates it under its own name, reading the
	// published names (a view binds to what it reads, which the staged
	// tables become or are merged into).
	Publish string
	// After run once SQL has: on Redshift, the header's column encodings
	// (CREATE TABLE ... AS takes none).
	After []string
}

// ForEngine translates the models ids (in build order) for the engine
// p's target names, each creating its relation under its staging name and
// reading the staging names of the others in ids (a view also as it is
// published, EngineStatement.Publish). A construct with no
// translation is an error at its place in the model's file. columns lists
// a relation's columns for the constructs that need them (SELECT *
// EXCLUDE), or is nil: then only what cannot be translated is looked for
// (dialect.Options.Check), as before a build, when the engine has no
// tables yet.
func ForEngine(ctx context.Context, parser dialect.Parser, p *project.Project, g *plan.Graph, ids []string, columns func(schema, name string) ([]string, error)) ([]EngineStatement, error) {
	var out []EngineStatement
	var errs diag.Errors
	for _, id := range ids {
		st, err := ForEngineModel(ctx, parser, p, g, ids, id, columns)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, st)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// ForEngineModel is ForEngine's statement for the model id, one of ids:
// a build translates each model once the ones before it are there, so
// that columns can list theirs.
func ForEngineModel(ctx context.Context, parser dialect.Parser, p *project.Project, g *plan.Graph, ids []string, id string, columns func(schema, name string) ([]string, error)) (EngineStatement, error) {
	e := dialect.Engine(p.Config.Engine)
	n := g.Nodes[id]
	m := n.Model
	if m.Seed != "" {
		// Read by DuckDB here, its rows copied to the engine.
		return EngineStatement{Model: m, SQL: TrimBody(m.Body)}, nil
	}
	// The model's vars are the project's with its own over them (project.Load).
	opts := dialect.Options{Vars: m.Header.Vars, Columns: columns, Macros: EngineMacros(p), Check: columns == nil}
	translate := func(staged bool) (string, error) {
		body, back, err := n.RewriteMapped(func(ref string) string {
			if !staged || !slices.Contains(ids, ref) {
				return ""
			}
			schema, name, _ := strings.Cut(ref, ".")
			return sqlname.Staging(schema, name).String()
		})
		if err != nil {
			return "", err
		}
		sql, err := dialect.Translate(ctx, parser, body, e, opts)
		if err != nil {
			return "", placed(m, back, err)
		}
		return sql, nil
	}
	sql, err := translate(true)
	if err != nil {
		return EngineStatement{}, err
	}
	st := EngineStatement{Model: m, SQL: fmt.Sprintf("CREATE TABLE %s%s AS\n%s", sqlname.Staging(m.Schema, m.Name), tableOptions(e, m), sql), After: encodings(e, m)}
	if m.Header.Materialized == project.View {
		st.SQL = fmt.Sprintf("CREATE VIEW %s AS\n%s", sqlname.Staging(m.Schema, m.Name), sql)
		if sql, err = translate(false); err != nil {
			return EngineStatement{}, err
		}
		st.Publish = fmt.Sprintf("CREATE VIEW %s AS\n%s", sqlname.Qualified(m.Schema, m.Name), sql)
	}
	return st, nil
}

// placed puts a translation error at its place in the model's file.
func placed(m *project.Model, back func(int) int, err error) error {
	var te *dialect.Error
	if !errors.As(err, &te) {
		return &diag.FileError{Path: m.Path, Msg: err.Error()}
	}
	if te.Offset < 0 {
		return &diag.FileError{Path: m.Path, Msg: te.Error()}
	}
	line, col := diag.Position(m.Body, back(te.Offset))
	return diag.At(m.Path, m.Text, line, col, "%s", te.Error())
}

// encodings are the ALTER TABLE statements that give a Redshift table's
// staged columns the encodings its header declares.
func encodings(e dialect.Engine, m *project.Model) []string {
	if e != dialect.Redshift || m.Header.Materialized == project.View {
		return nil
	}
	var out []string
	for _, c := range m.Header.Columns {
		if c.Encode != "" {
			out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s ENCODE %s", sqlname.Staging(m.Schema, m.Name), sqlname.Ident(strings.ToLower(c.Name)), strings.ToUpper(c.Encode)))
		}
	}
	return out
}

// tableOptions are a Redshift table's distribution and sort keys, from
// the model header's redshift: section, as CREATE TABLE ... AS takes them.
func tableOptions(e dialect.Engine, m *project.Model) string {
	rs := m.Header.Redshift
	if e != dialect.Redshift || rs == nil || m.Header.Materialized == project.View {
		return ""
	}
	var b strings.Builder
	switch {
	case rs.DistKey != "":
		fmt.Fprintf(&b, " DISTKEY(%s)", sqlname.Ident(rs.DistKey))
	case rs.DistStyle != "":
		fmt.Fprintf(&b, " DISTSTYLE %s", strings.ToUpper(rs.DistStyle))
	}
	if len(rs.SortKey) > 0 {
		keys := make([]string, len(rs.SortKey))
		for i, k := range rs.SortKey {
			keys[i] = sqlname.Ident(k)
		}
		style := ""
		if rs.SortStyle != "" {
			style = strings.ToUpper(rs.SortStyle) + " "
		}
		fmt.Fprintf(&b, " %sSORTKEY(%s)", style, strings.Join(keys, ", "))
	}
	return b.String()
}

// macroRe reads a scalar macro's CREATE MACRO statement: its name, its
// parameters and its expression.
var macroRe = regexp.MustCompile(`(?is)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?MACRO\s+([A-Za-z_][\w.]*)\s*\(([^()]*)\)\s+AS\s+(.*?)[\s;]*$`)

// EngineMacros are the project's scalar macros, which a translation
// writes out where a model, a check, a data test or a question calls them
// (an engine has no DuckDB macros). Table macros and parameters with
// defaults are left out: a model calling one is refused as calling an
// unknown function.
func EngineMacros(p *project.Project) map[string]dialect.Macro {
	out := map[string]dialect.Macro{}
	for _, f := range p.Macros {
		for _, st := range f.Statements {
			m := macroRe.FindStringSubmatch(st.SQL)
			if m == nil || strings.HasPrefix(strings.ToUpper(strings.TrimSpace(m[3])), "TABLE") || strings.Contains(m[2], ":=") {
				continue
			}
			var params []string
			for _, p := range strings.Split(m[2], ",") {
				if p = strings.TrimSpace(p); p != "" {
					params = append(params, strings.ToLower(p))
				}
			}
			name := m[1]
			if i := strings.LastIndexByte(name, '.'); i >= 0 {
				name = name[i+1:]
			}
			out[strings.ToLower(name)] = dialect.Macro{Params: params, Body: m[3]}
		}
	}
	return out
}

// EmbeddedOnly refuses a command that reads the models in the embedded
// warehouse when p's target builds them in another engine, saying what
// to do instead; nil for a target built in DuckDB.
func EmbeddedOnly(p *project.Project, command, instead string) error {
	if p.Config.Engine == "" {
		return nil
	}
	return &project.UsageError{Msg: fmt.Sprintf("target %s builds in %s: %s reads the models in the embedded warehouse, which holds none of that target's; %s",
		p.Config.Target, p.Config.Engine, command, instead)}
}

// DataTestQuery is the query counting a data test's rows, and how many
// bytes it puts before the test's text.
func DataTestQuery(t project.SQLFile) (string, int) {
	const before = "SELECT count(*) FROM (\n"
	text := strings.TrimRight(t.Text, " \t\r\n;")
	return before + text + "\n)", len(before)
}

// EngineChecks translates, before anything runs, the checks of the
// models ids and the data tests a build of them runs, so that one with no
// translation stops the build at its file (a data test's at its line and
// column) rather than after the models are built.
func EngineChecks(ctx context.Context, parser dialect.Parser, p *project.Project, g *plan.Graph, ids []string) error {
	e, opts := dialect.Engine(p.Config.Engine), dialect.Options{Vars: p.Config.Vars, Macros: EngineMacros(p)}
	var errs diag.Errors
	for _, id := range ids {
		m := g.Nodes[id].Model
		if query, _ := check.Plan(m, sqlname.Qualified(m.Schema, m.Name)); query != "" {
			if _, err := dialect.Translate(ctx, parser, query, e, opts); err != nil {
				errs = append(errs, &diag.FileError{Path: m.Path, Msg: fmt.Sprintf("a check of %s in its header: %v", m.ID(), err)})
			}
		}
	}
	if len(ids) == len(g.Nodes) {
		for _, t := range p.DataTests {
			query, before := DataTestQuery(t)
			_, err := dialect.Translate(ctx, parser, query, e, opts)
			var te *dialect.Error
			switch {
			case errors.As(err, &te) && te.Offset >= before:
				line, col := diag.Position(t.Text, te.Offset-before)
				errs = append(errs, diag.At(t.Path, t.Text, line, col, "%s", te.Error()))
			case err != nil:
				errs = append(errs, &diag.FileError{Path: t.Path, Msg: err.Error()})
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
