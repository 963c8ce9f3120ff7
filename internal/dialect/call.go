package dialect

import (
	"sort"
	"strings"

	"github.com/digitalservices/elt/internal/dialect/fn"
	"github.com/digitalservices/elt/internal/dialect/tree"
)

// Functions lists the DuckDB functions with a translation for e.
func Functions(e Engine) []string {
	out := fn.Names(e)
	sort.Strings(out)
	return out
}

// call prints a function call (win: the WINDOW node it is one of) by the
// rule of fn's table for the engine; a project's macro when the table has
// no such function.
func (p *printer) call(e node, sc *scope, win node) string {
	name := strings.ToLower(str(e["function_name"]))
	for _, k := range list(e["children"]) {
		if str(obj(k)["class"]) == "LAMBDA" {
			return p.refuse(e, name+" (a lambda)", "lambdas and the lists they work on are not translated")
		}
	}
	if s := str(e["schema"]); s != "" && s != "main" || str(e["catalog"]) != "" {
		return p.refuse(e, s+"."+name, "")
	}
	m, ok := fn.Lookup(name)
	r := m.Rule(p.engine)
	if mac, isMacro := p.opts.Macros[name]; !ok && isMacro {
		return p.macro(e, sc, mac)
	}
	if !ok {
		return p.refuse(e, name, "elt does not know this function in "+string(p.engine)+": write it with one it translates (a project macro of one scalar expression is written out where it is called)")
	}
	if r == nil {
		return p.refuse(e, name, m.Hint)
	}
	return r(fn.NewCall(p.in(sc), e, name, win))
}

// scoped is the printer bound to a scope: the fn.Printer a rule prints
// its call's parts with.
type scoped struct {
	p  *printer
	sc *scope
}

func (p *printer) in(sc *scope) scoped { return scoped{p, sc} }

func (s scoped) Engine() fn.Engine           { return s.p.engine }
func (s scoped) Expr(e tree.Node) string     { return s.p.expr(e, s.sc) }
func (s scoped) Paren(e tree.Node) string    { return s.p.paren(e, s.sc) }
func (s scoped) Orders(orders []any) string  { return s.p.orders(orders, s.sc) }
func (s scoped) TypeOf(e tree.Node) string   { return s.p.res.TypeOf(e, s.sc) }
func (s scoped) Var(name string) (any, bool) { v, ok := s.p.opts.Vars[name]; return v, ok }
func (s scoped) Refuse(e tree.Node, construct, hint string) string {
	return s.p.refuse(e, construct, hint)
}
