// Package compile turns a planned project into the exact SQL that runs: for
// each model the statements that build it whole, and for an incremental
// model those that bring it up to date (its merge, from the embedded
// templates in sql/); and, for the outside world, the Redshift DDL of the
// built tables. It writes nothing: `elt compile` prints what it returns,
// and the executor runs it.
package compile

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// External lists the relations models may read that no model builds: the
// quarantine and the sources' bronze tables.
func External(p *project.Project) []string {
	out := []string{state.QuarantineTable}
	for _, name := range p.Config.SourceNames() {
		out = append(out, "bronze."+name)
	}
	return out
}

// Plan builds the model graph of a project, with parser reading the SQL;
// the sources' check expressions are parsed too. Every problem is reported
// together.
func Plan(ctx context.Context, parser plan.Parser, p *project.Project) (*plan.Graph, error) {
	var errs diag.Errors
	var aggregates map[string]bool // asked of DuckDB once a field has a check
	for _, name := range p.Config.SourceNames() {
		src := p.Config.Sources[name]
		fields := make([]string, len(src.Fields))
		for i, f := range src.Fields {
			fields[i] = f.Name
		}
		for i, f := range src.Fields {
			if f.Check == "" {
				continue
			}
			if a, ok := parser.(plan.AggregateNamer); ok && aggregates == nil {
				var err error
				if aggregates, err = a.AggregateNames(ctx); err != nil {
					return nil, err
				}
			}
			if err := plan.CheckRecordExpression(ctx, parser, f.Check, fields, aggregates); err != nil {
				errs = append(errs, p.Config.SourceError(name, []string{"fields", strconv.Itoa(i), "check"},
					"the check of field %s is not one SQL expression over the record's fields: %v", f.Name, err))
			}
		}
	}
	errs.Add(plan.Macros(p.Macros))
	errs.Add(plan.DataTests(ctx, parser, p.DataTests))
	g, err := plan.New(ctx, parser, p.Models, External(p), state.Reserved)
	errs.Add(err)
	if len(errs) > 0 {
		return nil, errs
	}
	return g, nil
}

// Load reads the project in dir and plans it, with an in-memory DuckDB as
// the parser, so planning never touches (or waits for) the warehouse.
func Load(ctx context.Context, dir string, o project.Overrides) (*project.Project, *plan.Graph, error) {
	p, err := project.Load(dir, o)
	if err != nil {
		return nil, nil, err
	}
	db, err := Parser(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	g, err := Plan(ctx, db, p)
	return p, g, err
}

// Parser opens an in-memory DuckDB for reading SQL syntax trees; the caller
// closes it.
func Parser(ctx context.Context) (*warehouse.DB, error) {
	return warehouse.Open(ctx, "", warehouse.Options{Threads: 1})
}

// Statements are the SQL statements that build one model whole, exactly as
// run.
func Statements(m *project.Model) []string {
	kind := "TABLE"
	if m.Header.Materialized == project.View {
		kind = "VIEW"
	}
	return statements(m, fmt.Sprintf("CREATE OR REPLACE %s %s AS ", kind, sqlname.Qualified(m.Schema, m.Name)), m.Body)
}

// statements set the model's variables and schema, then run create
// followed by body.
func statements(m *project.Model, create, body string) []string {
	return append(Vars(m),
		"CREATE SCHEMA IF NOT EXISTS "+sqlname.Ident(m.Schema),
		"SET schema = "+sqlname.Literal(m.Schema),
		create+TrimBody(body),
	)
}

// Vars are the statements that set a model's variables (vars: in its
// header, over the project's) as DuckDB variables, in name order, before
// its other statements.
func Vars(m *project.Model) []string { return sqlname.SetVariables(m.Header.Vars) }

// BodyOffset is how many characters the last of Statements(m) puts
// before the model's text on its first line, for placing errors (whose
// columns count characters).
func BodyOffset(m *project.Model) int {
	s := Statements(m)
	return utf8.RuneCountInString(s[len(s)-1]) - utf8.RuneCountInString(TrimBody(m.Body))
}

// TrimBody is a model's SQL without trailing space and semicolons.
func TrimBody(s string) string {
	for len(s) > 0 {
		switch s[len(s)-1] {
		case ' ', '\t', '\r', '\n', ';':
			s = s[:len(s)-1]
			continue
		}
		break
	}
	return s
}

// SQLError places a DuckDB error at its line and column in the file at
// path whose text is text (running out of memory gets a hint). The
// statement sent was prefix characters longer than the text, all on its
// first line (as a model's CREATE ... AS is).
func SQLError(path, text string, prefix int, err error) error {
	qe := warehouse.AsQueryError(err)
	hint := ""
	if warehouse.IsOutOfMemory(err) {
		hint = memoryHint
	}
	if qe.Line == 0 {
		return &diag.FileError{Path: path, Msg: qe.Kind + ": " + qe.Msg, Hint: hint}
	}
	col := qe.Col
	if qe.Line == 1 && col > 0 {
		col -= prefix
		if col < 1 {
			col = 0
		}
	}
	fe := diag.At(path, text, qe.Line, col, "%s: %s", qe.Kind, qe.Msg)
	fe.Hint = hint
	return fe
}

// memoryHint follows DuckDB running out of memory in a model: what in
// elt.yaml gives it more, since DuckDB's own advice is in SET statements.
// Its figures are state's share of memory_limit.
var memoryHint = fmt.Sprintf("raise duckdb.memory_limit in elt.yaml (or in its targets:), or lower duckdb.threads; "+
	"DuckDB is given %.0f%% of memory_limit (all of it up to %dMB; 80%% of the machine's memory when it is not set), the rest is left to the process around it",
	state.BufferShare*100, state.WholeBelow/1000/1000)

// Comment is one COMMENT ON statement of a model: its description, or a
// column's (Column names it).
type Comment struct {
	SQL    string
	Column string
}

// Comments are the statements that write a model's description and its
// columns' as DuckDB comments, so every DuckDB client sees them. They run
// after the model is built, each time (an incremental build keeps its
// table, and the header may have changed).
func Comments(m *project.Model) []Comment {
	kind := "TABLE"
	if m.Header.Materialized == project.View {
		kind = "VIEW"
	}
	target := sqlname.Qualified(m.Schema, m.Name).String()
	text := func(s string) string {
		if s = strings.TrimSpace(s); s == "" {
			return "NULL"
		}
		return sqlname.Literal(s)
	}
	out := []Comment{{SQL: "COMMENT ON " + kind + " " + target + " IS " + text(m.Header.Description)}}
	for _, c := range m.Header.Columns {
		if strings.TrimSpace(c.Description) != "" {
			out = append(out, Comment{SQL: "COMMENT ON COLUMN " + target + "." + sqlname.Ident(c.Name) + " IS " + text(c.Description), Column: c.Name})
		}
	}
	return out
}

// Staged are the statements that build a table model whole under its
// staging name (sqlname.Staging), reading the staging name of each input
// staged tells is staged in the same build, and a function placing a
// DuckDB error of the last statement in the model's file.
func Staged(n *plan.Node, staged func(id string) bool) ([]string, func(error) error, error) {
	m := n.Model
	body, back, err := n.RewriteMapped(func(id string) string {
		if !staged(id) {
			return ""
		}
		schema, name, _ := strings.Cut(id, ".")
		return sqlname.Staging(schema, name).String()
	})
	if err != nil {
		return nil, nil, err
	}
	create := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS ", sqlname.Staging(m.Schema, m.Name))
	place := func(err error) error {
		qe := warehouse.AsQueryError(err)
		if qe.Line == 0 {
			return SQLError(m.Path, m.Text, 0, err)
		}
		// The character DuckDB points at, as an offset of the new body.
		off, line := 0, 1
		for line < qe.Line && off < len(body) {
			if i := strings.IndexByte(body[off:], '\n'); i >= 0 {
				off += i + 1
				line++
			} else {
				break
			}
		}
		col := qe.Col
		if col == 0 && qe.Shown != "" {
			// A long line DuckDB cut: find what it showed in the line.
			if lines := strings.Split(create+body, "\n"); qe.Line <= len(lines) {
				if i := strings.Index(lines[qe.Line-1], qe.Shown); i >= 0 {
					col = utf8.RuneCountInString(lines[qe.Line-1][:i]) + qe.ShownCol
				}
			}
		}
		if qe.Line == 1 {
			col -= utf8.RuneCountInString(create)
		}
		for ; col > 1 && off < len(body) && body[off] != '\n'; col-- {
			_, size := utf8.DecodeRuneInString(body[off:])
			off += size
		}
		known := col > 0
		line, col = diag.Position(m.Body, back(off))
		if !known {
			col = 0
		}
		return diag.At(m.Path, m.Text, line, col, "%s: %s", qe.Kind, qe.Msg)
	}
	return statements(m, create, body), place, nil
}
