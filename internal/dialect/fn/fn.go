// Package fn is how each engine dialect translates for writes DuckDB's
// functions: the table of per-engine rules (Lookup), the engines
// themselves (Engine), their spelling of names and strings (Ident,
// Literal), and their names for DuckDB's types (Type). A rule prints a
// call's arguments through the Printer the dialect package gives it, bound
// to the scope the call is read in.
package fn

import (
	"regexp"
	"strings"

	"github.com/digitalservices/elt/internal/dialect/tree"
	"github.com/digitalservices/elt/internal/redshift"
)

// Engine is an SQL engine a target can build in besides the embedded
// DuckDB (dialect.Engine).
type Engine string

// The engines elt translates models for.
const (
	Postgres Engine = "postgres"
	Redshift Engine = "redshift"
)

// Engines lists the engines a target may name, in the order errors list
// them (dialect.Engines).
var Engines = []Engine{Postgres, Redshift}

// node is an object of DuckDB's syntax tree.
type node = tree.Node

func obj(v any) node   { return tree.Obj(v) }
func list(v any) []any { return tree.List(v) }
func str(v any) string { return tree.Str(v) }

// Printer prints the parts of a call in one engine's SQL: the dialect
// package's printer, bound to the scope the call is read in.
type Printer interface {
	// Engine is the engine printed for.
	Engine() Engine
	// Expr prints an expression ("" for nil).
	Expr(e tree.Node) string
	// Paren prints an expression, in parentheses when it is an operation.
	Paren(e tree.Node) string
	// Orders prints an ORDER BY list (the orders of an order_bys node).
	Orders(orders []any) string
	// Refuse records that e has no translation (the first refusal wins)
	// and returns "".
	Refuse(e tree.Node, construct, hint string) string
	// Var is the value of a model's variable, for getvariable.
	Var(name string) (any, bool)
	// TypeOf is the DuckDB type of an expression when the query says it,
	// "" when not known.
	TypeOf(e tree.Node) string
}

// Call is a function call being printed.
type Call struct {
	p    Printer
	e    node // the FUNCTION node
	name string
	win  node // the WINDOW node when the call is a window function
}

// NewCall is the call e of the function name (lower-cased), printed by p;
// win is the WINDOW node when the call is a window function, else nil.
func NewCall(p Printer, e tree.Node, name string, win tree.Node) *Call {
	return &Call{p: p, e: e, name: name, win: win}
}

func (c *Call) kids() []any { return list(c.e["children"]) }
func (c *Call) kid(i int) node {
	if k := c.kids(); i < len(k) {
		return obj(k[i])
	}
	return nil
}
func (c *Call) arg(i int) string { return c.p.Expr(c.kid(i)) }
func (c *Call) args() []string {
	var out []string
	for i := range c.kids() {
		out = append(out, c.arg(i))
	}
	return out
}
func (c *Call) refuse(hint string) string { return c.p.Refuse(c.e, c.name, hint) }
func (c *Call) literal(s string) string   { return Literal(c.p.Engine(), s) }

// constant is the text of a constant string argument.
func (c *Call) constant(i int) (string, bool) {
	k := c.kid(i)
	if str(k["class"]) != "CONSTANT" || str(obj(obj(k["value"])["type"])["id"]) != "VARCHAR" {
		return "", false
	}
	return str(obj(k["value"])["value"]), true
}

// Rule prints a call for one engine.
type Rule func(c *Call) string

// Mapping is how one DuckDB function is written in each engine.
type Mapping struct {
	Agg    bool // an aggregate
	pg, rs Rule
	Hint   string // what to do instead, where a rule is nil
}

// Rule is the function's rule for e, nil when e has no translation of it.
func (m Mapping) Rule(e Engine) Rule {
	if e == Redshift {
		return m.rs
	}
	return m.pg
}

// Lookup finds a DuckDB function's mapping by its lower-cased name; a
// function missing from the table is refused, naming it.
func Lookup(name string) (Mapping, bool) { m, ok := functions[name]; return m, ok }

// Names lists the DuckDB functions with a translation for e, unsorted.
func Names(e Engine) []string {
	var out []string
	for name, m := range functions {
		if e == Postgres && m.pg != nil || e == Redshift && m.rs != nil {
			out = append(out, name)
		}
	}
	return out
}

var bare = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Ident writes an identifier for e, lower-cased (DuckDB's names are
// case-insensitive, and both engines fold unquoted names to lower case),
// quoted when it is a reserved word or not a plain name.
func Ident(e Engine, s string) string {
	s = strings.ToLower(s)
	if e == Redshift {
		return redshift.Ident(s)
	}
	if bare.MatchString(s) && !pgReserved[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// Literal writes a string literal for e.
func Literal(e Engine, s string) string {
	if e == Redshift {
		return redshift.Literal(s)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// pgReserved are PostgreSQL's reserved key words and those that cannot
// name a function or type (quoting them is harmless).
var pgReserved = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric both case cast check
		collate column constraint create current_catalog current_date current_role current_time current_timestamp
		current_user default deferrable desc distinct do else end except false fetch for foreign from grant group
		having in initially intersect into lateral leading limit localtime localtimestamp not null offset on only
		or order placing primary references returning select session_user some symmetric table then to trailing
		true union unique user using variadic when where window with authorization binary collation concurrently
		cross current_schema freeze full ilike inner is isnull join left like natural notnull outer overlaps right
		similar tablesample verbose between bigint bit boolean char character coalesce dec decimal exists extract
		float greatest grouping inout int integer interval least national nchar none normalize nullif numeric out
		overlay position precision real row setof smallint substring time timestamp treat trim values varchar`) {
		m[w] = true
	}
	return m
}()
