package dialect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/dialect/fn"
	"github.com/digitalservices/elt/internal/dialect/tree"
)

// Parser is DuckDB's parser (warehouse.DB satisfies it).
type Parser interface {
	SerializeSQL(ctx context.Context, sql string) (string, error)
}

// Options are what a model's SQL means besides its text.
type Options struct {
	// Vars are the model's variables: getvariable('v') becomes v's literal.
	Vars map[string]any
	// Columns lists a relation's columns in order (schema, name as
	// written, lower-cased), for SELECT * EXCLUDE, REPLACE or RENAME,
	// QUALIFY over *, and GROUP BY ALL when needed; nil or an error:
	// refuse what needs it (unless Check).
	Columns func(schema, name string) ([]string, error)
	// Check is whether to only find what cannot be translated, before
	// the relations exist: where the columns of a table are needed and
	// Columns does not know them (nil, or an error), they are assumed to
	// be what the query needs (a * over them prints a placeholder), so
	// only the constructs with no translation are refused. The SQL
	// returned is then not to be run.
	Check bool
	// Macros are the project's scalar macros by lower-cased name: a call is
	// replaced by the macro's expression, its parameters by the arguments.
	Macros map[string]Macro
}

// Macro is a scalar macro: CREATE MACRO name(Params...) AS Body.
type Macro struct {
	Params []string
	Body   string // the expression
}

// Error is a construct with no faithful translation.
type Error struct {
	Offset    int    // byte offset in the sql given (from query_location), -1 when unknown
	Construct string // e.g. "list_transform", "lambda", "TRY_CAST", "struct literal"
	Engine    Engine
	Hint      string // what to do instead, when there is something
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s has no translation for %s", e.Construct, e.Engine)
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// Translate returns the engine's SQL for one DuckDB SELECT statement (a
// model body: may start with WITH). Constructs with no faithful
// translation are an *Error; a DuckDB parse error is returned as is.
func Translate(ctx context.Context, p Parser, sql string, e Engine, o Options) (string, error) {
	if !Known(e) {
		return "", fmt.Errorf("unknown engine %q (want one of %v)", e, Engines)
	}
	syntax, err := p.SerializeSQL(ctx, sql)
	if err != nil {
		return "", err
	}
	root, err := tree.Decode(syntax)
	if err != nil {
		return "", err
	}
	if root["error"] == true {
		return "", errors.New(str(root["error_message"]))
	}
	sts := list(root["statements"])
	if len(sts) != 1 {
		return "", fmt.Errorf("a model holds one query, not %d statements", len(sts))
	}
	if err := refuseUnseen(ctx, p, sql, root, e); err != nil {
		return "", err
	}
	pr := &printer{engine: e, opts: o, res: tree.Resolver{Columns: o.Columns, Assume: o.Check}, size: len(sql), repl: map[uintptr]string{}, ctx: ctx, parser: p}
	out := pr.query(obj(obj(sts[0])["node"]), nil)
	if pr.err != nil {
		return "", pr.err
	}
	return out, nil
}

// node is an object of DuckDB's syntax tree; scope what names mean in
// one SELECT.
type (
	node  = tree.Node
	scope = tree.Scope
)

func obj(v any) node     { return tree.Obj(v) }
func list(v any) []any   { return tree.List(v) }
func str(v any) string   { return tree.Str(v) }
func ptr(n node) uintptr { return tree.Ptr(n) }

// printer writes one query for one engine. The first construct it cannot
// translate is kept in err (the rest of the output is then thrown away).
type printer struct {
	engine Engine
	opts   Options
	res    tree.Resolver // what names mean (Options.Columns)
	size   int
	err    error
	n      int                // generated names so far
	repl   map[uintptr]string // expressions replaced by a rewrite
	ctx    context.Context
	parser Parser
	args   map[string]string // inside a macro: its parameters' arguments
	depth  int               // macros inside macros
}

// refuse records that e has no translation and returns "".
func (p *printer) refuse(e node, construct, hint string) string {
	if p.err == nil {
		off := -1
		if p.depth == 0 {
			off = tree.Location(e, p.size)
		}
		p.err = &Error{Offset: off, Construct: construct, Engine: p.engine, Hint: hint}
	}
	return ""
}

func (p *printer) fail(err error) string {
	if p.err == nil {
		p.err = err
	}
	return ""
}

// ident writes an identifier, lower-cased, quoted when it is a reserved
// word or not a plain name (fn.Ident).
func (p *printer) ident(s string) string { return fn.Ident(p.engine, s) }

// literal writes a string literal.
func (p *printer) literal(s string) string { return fn.Literal(p.engine, s) }

// indent puts four spaces before each line of s.
func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// macro prints a call of a macro: its expression, the parameters replaced
// by the arguments.
func (p *printer) macro(e node, sc *scope, m Macro) string {
	kids := list(e["children"])
	if len(kids) != len(m.Params) || p.depth > 20 {
		return p.refuse(e, str(e["function_name"]), fmt.Sprintf("the macro takes %d arguments", len(m.Params)))
	}
	syntax, err := p.parser.SerializeSQL(p.ctx, "SELECT ("+m.Body+")")
	if err != nil {
		return p.fail(err)
	}
	root, err := tree.Decode(syntax)
	if err != nil || root["error"] == true {
		return p.fail(fmt.Errorf("the macro %s: %v", e["function_name"], root["error_message"]))
	}
	args := map[string]string{}
	for i, name := range m.Params {
		args[strings.ToLower(name)] = "(" + p.expr(obj(kids[i]), sc) + ")"
	}
	saved := p.args
	p.args, p.depth = args, p.depth+1
	defer func() { p.args, p.depth = saved, p.depth-1 }()
	body := obj(list(obj(obj(list(root["statements"])[0])["node"])["select_list"])[0])
	return "(" + p.expr(body, sc) + ")"
}

// FullParser also gives the tree with empty lists kept: ROLLUP (a) is
// GROUP BY a and an empty grouping set.
type FullParser interface {
	SerializeFullSQL(ctx context.Context, sql string) (string, error)
}

// refuseUnseen refuses what the printer would not see in the tree it
// reads (tree.Unseen): grouping sets and samples.
func refuseUnseen(ctx context.Context, p Parser, sql string, root node, e Engine) error {
	var full func() (string, error)
	if fp, ok := p.(FullParser); ok {
		full = func() (string, error) { return fp.SerializeFullSQL(ctx, sql) }
	}
	construct, hint, off, err := tree.Unseen(root, sql, full)
	if err != nil || construct == "" {
		return err
	}
	return &Error{Offset: off, Construct: construct, Engine: e, Hint: hint}
}
