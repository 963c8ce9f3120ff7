package tree

import (
	"fmt"
	"strings"
)

// Scope is what names mean inside one SELECT: its FROM items and the CTEs
// in reach.
type Scope struct {
	rels   []*rel
	CTEs   map[string]Node // CTE name (lower-cased) → its map entry value (query, aliases)
	Parent *Scope
	using  bool // a join with USING: * is not expanded here
}

// rel is a FROM item: a table, a CTE or a subquery, by its alias.
type rel struct {
	alias         string
	schema, table string // a base table
	query         Node   // a CTE's or subquery's query node
	aliases       []any  // its column aliases
	outer         *Scope // the scope the query is read in
}

// CTE is the map entry value of the CTE name names in reach of s, nil
// when there is none.
func (s *Scope) CTE(name string) Node {
	for ; s != nil; s = s.Parent {
		if c, ok := s.CTEs[strings.ToLower(name)]; ok {
			return c
		}
	}
	return nil
}

// Resolver reads what names mean in a query.
type Resolver struct {
	// Columns lists a base table's columns in order (schema, name as
	// written, lower-cased); nil: they are not known.
	Columns func(schema, name string) ([]string, error)
	// Assume is whether, when Columns is nil (or fails), a base table is taken to
	// have the columns a * names (one placeholder column stands for the
	// rest): to find what cannot be translated before the tables exist.
	Assume bool
}

// assumed starts the name of the placeholder column of a table whose
// columns are assumed (no name holds a NUL).
const assumed = "\x00"

// Assumed tells whether a column is the placeholder of a table whose
// columns are assumed (Resolver.Assume), and names the table.
func Assumed(name string) (table string, ok bool) { return strings.CutPrefix(name, assumed) }

// relColumns lists a FROM item's columns in order.
func (r Resolver) relColumns(it *rel) ([]string, error) {
	var cols []string
	if it.query == nil {
		err := fmt.Errorf("the columns of %s.%s are not known", it.schema, it.table)
		if r.Columns != nil {
			cols, err = r.Columns(it.schema, it.table)
		}
		if err != nil && r.Assume {
			return []string{assumed + it.schema + "." + it.table}, nil
		}
		if err != nil {
			return nil, err
		}
	} else {
		names, _, err := r.Outputs(it.query, it.outer)
		if err != nil {
			return nil, err
		}
		cols = names
	}
	for i, a := range it.aliases {
		if i < len(cols) && !strings.HasPrefix(cols[i], assumed) {
			cols[i] = Str(a)
		}
	}
	return cols, nil
}

// Outputs are the names of a query's output columns and, for a SELECT,
// the select-list expression of each (nil for those of a *).
func (r Resolver) Outputs(q Node, outer *Scope) ([]string, []Node, error) {
	sc := r.Scope(q, outer)
	switch Str(q["type"]) {
	case "SET_OPERATION_NODE":
		n, _, err := r.Outputs(Obj(q["left"]), sc)
		return n, nil, err
	case "SELECT_NODE":
	default:
		return nil, nil, fmt.Errorf("a %s query", q["type"])
	}
	var names []string
	var defs []Node
	for _, item := range List(q["select_list"]) {
		e := Obj(item)
		if Str(e["class"]) == "STAR" {
			cols, err := r.Star(e, sc)
			if err != nil {
				return nil, nil, err
			}
			for _, c := range cols {
				names = append(names, c.As)
				defs = append(defs, c.Replace)
			}
			continue
		}
		names = append(names, outputName(e))
		defs = append(defs, e)
	}
	return names, defs, nil
}

// Column is one column of a * expanded.
type Column struct {
	Rel, Name string // the relation's alias (lower-cased) and the column's name
	As        string // its output name: Name, or what RENAME gives it
	Replace   Node   // the expression REPLACE gives it, nil when none
}

// Plain is whether a * (t.*) can be printed as is: no EXCLUDE, REPLACE,
// RENAME or COLUMNS(...).
func Plain(e Node) bool {
	for _, k := range []string{"exclude_list", "qualified_exclude_list", "replace_list", "rename_list"} {
		if len(List(e[k])) > 0 {
			return false
		}
	}
	return e["expr"] == nil && e["columns"] != true
}

// starName is the key of a column named by EXCLUDE, REPLACE or RENAME:
// "table.column" when qualified, ".column" when not (lower-cased).
func starName(v any) string {
	if n := Obj(v); n != nil {
		return strings.ToLower(Str(n["table"]) + "." + Str(n["column"]))
	}
	return "." + strings.ToLower(Str(v))
}

// Star expands * (t.*, with EXCLUDE, REPLACE and RENAME) into its
// columns, in order. A column EXCLUDE, REPLACE or RENAME names that is not
// there is an error, as in DuckDB (unless a relation's columns are
// assumed: Resolver.Assume).
func (r Resolver) Star(e Node, sc *Scope) ([]Column, error) {
	if e["expr"] != nil || e["columns"] == true {
		return nil, fmt.Errorf("COLUMNS(...)")
	}
	qual := strings.ToLower(Str(e["relation_name"]))
	if qual == "" && sc.using {
		return nil, fmt.Errorf("* over a join with USING")
	}
	exclude, rename, replace := map[string]bool{}, map[string]string{}, map[string]Node{}
	for _, x := range append(List(e["exclude_list"]), List(e["qualified_exclude_list"])...) {
		exclude[starName(x)] = true
	}
	for _, x := range List(e["rename_list"]) {
		rename[starName(Obj(x)["key"])] = Str(Obj(x)["value"])
	}
	var order []string // REPLACE's columns in order, for what is assumed
	for _, x := range List(e["replace_list"]) {
		k := starName(Obj(x)["key"])
		replace[k], order = Obj(Obj(x)["value"]), append(order, k)
	}
	used, replaced := map[string]bool{}, map[string]bool{}
	find := func(rel, col string) (string, bool) {
		for _, k := range []string{rel + "." + col, "." + col} {
			if _, ok := rename[k]; ok || exclude[k] || replace[k] != nil {
				used[k] = true
				return k, true
			}
		}
		return "", false
	}
	var out []Column
	guess := false // some columns are assumed
	for _, rel := range sc.rels {
		if qual != "" && rel.alias != qual {
			continue
		}
		cols, err := r.relColumns(rel)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			col := Column{Rel: rel.alias, Name: c, As: c}
			if strings.HasPrefix(c, assumed) {
				guess = true
			} else if k, ok := find(rel.alias, strings.ToLower(c)); ok {
				if exclude[k] {
					continue
				}
				if col.Replace = replace[k]; col.Replace != nil && replaced[k] {
					return nil, fmt.Errorf("two relations have the column %s that REPLACE names: exclude one", c)
				}
				replaced[k] = col.Replace != nil
				if a, ok := rename[k]; ok {
					col.As = a
				}
			}
			out = append(out, col)
		}
	}
	for _, k := range order {
		if guess && !used[k] { // print it: what it holds may be refused
			name := k[strings.Index(k, ".")+1:]
			out, used[k] = append(out, Column{Rel: qual, Name: name, As: name, Replace: replace[k]}), true
		}
	}
	for _, m := range []map[string]bool{exclude, keys(rename), keys(replace)} {
		for k := range m {
			if !used[k] && !guess {
				return nil, fmt.Errorf("* names the column %s that it does not have", strings.TrimPrefix(k, "."))
			}
		}
	}
	return out, nil
}

func keys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// Scope makes the scope of a query node: its CTEs and FROM items.
func (r Resolver) Scope(q Node, outer *Scope) *Scope {
	sc := &Scope{Parent: outer, CTEs: map[string]Node{}}
	for _, e := range List(Obj(q["cte_map"])["map"]) {
		em := Obj(e)
		sc.CTEs[strings.ToLower(Str(em["key"]))] = Obj(em["value"])
	}
	if ft := Obj(q["from_table"]); ft != nil {
		rels(ft, sc)
	}
	return sc
}

// rels adds a FROM item's relations (both sides of a join) to sc.
func rels(t Node, sc *Scope) {
	alias := strings.ToLower(Str(t["alias"]))
	switch Str(t["type"]) {
	case "BASE_TABLE":
		r := &rel{alias: alias, schema: strings.ToLower(Str(t["schema_name"])), table: strings.ToLower(Str(t["table_name"])), aliases: List(t["column_name_alias"])}
		if r.alias == "" {
			r.alias = r.table
		}
		if c := sc.CTE(r.table); c != nil && r.schema == "" {
			r.query, r.outer = Obj(Obj(c["query"])["node"]), sc
			if len(r.aliases) == 0 {
				r.aliases = List(c["aliases"])
			}
		}
		sc.rels = append(sc.rels, r)
	case "SUBQUERY":
		sc.rels = append(sc.rels, &rel{alias: alias, query: Obj(Obj(t["subquery"])["node"]), aliases: List(t["column_name_alias"]), outer: sc.Parent})
	case "JOIN":
		rels(Obj(t["left"]), sc)
		rels(Obj(t["right"]), sc)
		if len(List(t["using_columns"])) > 0 {
			sc.using = true
		}
	}
}

// TypeOf is the DuckDB type of an expression when the query says it: a
// cast, a constant, or a column of a subquery or CTE that is one; "" when
// not known.
func (r Resolver) TypeOf(e Node, sc *Scope) string {
	switch Str(e["class"]) {
	case "CAST":
		return DuckType(Obj(e["cast_type"]))
	case "CONSTANT":
		return DuckType(Obj(Obj(e["value"])["type"]))
	case "FUNCTION":
		// The functions whose type does not follow their arguments'.
		switch strings.ToLower(Str(e["function_name"])) {
		case "avg", "/", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "sqrt", "ln", "exp", "power", "pow":
			return "DOUBLE"
		case "round", "abs", "sign", "ceil", "floor", "least", "greatest", "coalesce":
			if kids := List(e["children"]); len(kids) > 0 {
				return r.TypeOf(Obj(kids[0]), sc)
			}
		case "+", "-", "*", "%":
			// Arithmetic with a DOUBLE is a DOUBLE; of integers, an integer.
			ints := true
			for _, k := range List(e["children"]) {
				t := r.TypeOf(Obj(k), sc)
				if t == "DOUBLE" || t == "FLOAT" {
					return "DOUBLE"
				}
				ints = ints && (t == "INTEGER" || t == "BIGINT")
			}
			if ints {
				return "BIGINT"
			}
		}
	case "COLUMN_REF":
		cn := List(e["column_names"])
		name := strings.ToLower(Str(cn[len(cn)-1]))
		for _, rel := range sc.rels {
			if rel.query == nil || len(cn) > 1 && rel.alias != strings.ToLower(Str(cn[len(cn)-2])) {
				continue
			}
			q := rel.query
			for Str(q["type"]) == "SET_OPERATION_NODE" {
				q = Obj(q["left"])
			}
			names, defs, err := r.Outputs(q, rel.outer)
			if err != nil {
				return ""
			}
			for i, n := range names {
				if i < len(rel.aliases) {
					n = Str(rel.aliases[i])
				}
				if strings.ToLower(n) == name && defs[i] != nil {
					return r.TypeOf(defs[i], r.Scope(q, rel.outer))
				}
			}
		}
	}
	return ""
}
