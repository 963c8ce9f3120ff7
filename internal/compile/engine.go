package compile

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
)

// EngineStatement is a model's statement for another engine.
type EngineStatement struct {
	Model *project.Model
	// SQL creates the model under its staging name.
	SQL string
}

// ForEngine translates the models ids (in build order) for the engine
// p's target names, each
// creating its relation under its staging name and reading the staging
// names of the others in ids. A construct with no translation is an error
// at its place in the model's file. columns lists a relation's columns
// for the constructs that need them (SELECT * EXCLUDE), or is nil.
func ForEngine(ctx context.Context, parser dialect.Parser, p *project.Project, g *plan.Graph, ids []string, columns func(schema, name string) ([]string, error)) ([]EngineStatement, error) {
	e, vars := dialect.Engine(p.Config.Engine), p.Config.Vars
	built := map[string]bool{}
	for _, id := range ids {
		built[id] = true
	}
	var out []EngineStatement
	var errs diag.Errors
	for _, id := range ids {
		n := g.Nodes[id]
		m := n.Model
		body, back, err := n.RewriteMapped(func(ref string) string {
			if !built[ref] {
				return ""
			}
			schema, name, _ := strings.Cut(ref, ".")
			return sqlname.Staging(schema, name).String()
		})
		if err != nil {
			return nil, err
		}
		sql, err := dialect.Translate(ctx, parser, body, e, dialect.Options{Vars: modelVars(vars, m), Columns: columns})
		if err != nil {
			errs = append(errs, placed(m, back, err))
			continue
		}
		kind := "TABLE"
		if m.Header.Materialized == project.View {
			kind = "VIEW"
		}
		out = append(out, EngineStatement{Model: m, SQL: fmt.Sprintf("CREATE %s %s AS\n%s", kind, sqlname.Staging(m.Schema, m.Name), sql)})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// modelVars are the project's variables with the model's own over them.
func modelVars(project map[string]any, m *project.Model) map[string]any {
	out := map[string]any{}
	for k, v := range project {
		out[k] = v
	}
	for k, v := range m.Header.Vars {
		out[k] = v
	}
	return out
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

