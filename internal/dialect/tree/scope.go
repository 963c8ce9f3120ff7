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
}

// relColumns lists a FROM item's columns in order.
func (r Resolver) relColumns(it *rel) ([]string, error) {
	var cols []string
	if it.query == nil {
		if r.Columns == nil {
			return nil, fmt.Errorf("the columns of %s.%s are not known", it.schema, it.table)
		}
		c, err := r.Columns(it.schema, it.table)
		if err != nil {
			return nil, err
		}
		cols = c
	} else {
		names, _, err := r.Outputs(it.query, it.outer)
		if err != nil {
			return nil, err
		}
		cols = names
	}
	for i, a := range it.aliases {
		if i < len(cols) {
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
			cols, _, err := r.Star(e, sc)
			if err != nil {
				return nil, nil, err
			}
			for _, c := range cols {
				names = append(names, c[1])
				defs = append(defs, nil)
			}
			continue
		}
		names = append(names, outputName(e))
		defs = append(defs, e)
	}
	return names, defs, nil
}

// Star expands * (t.*, * EXCLUDE (...)) into [relation alias, column]
// pairs; excluding is whether it excludes columns (a plain * can be
// printed as is).
func (r Resolver) Star(e Node, sc *Scope) (cols [][2]string, excluding bool, err error) {
	if e["replace_list"] != nil && len(Obj(e["replace_list"])) > 0 || e["expr"] != nil || e["columns"] == true {
		return nil, false, fmt.Errorf("* REPLACE and COLUMNS(...)")
	}
	qual := strings.ToLower(Str(e["relation_name"]))
	exclude := map[string]bool{}
	for _, x := range List(e["exclude_list"]) {
		switch v := x.(type) {
		case string:
			exclude[strings.ToLower(v)] = true
		case Node:
			n := List(v["column_names"])
			exclude[strings.ToLower(Str(n[len(n)-1]))] = true
		}
	}
	if qual == "" && sc.using {
		return nil, false, fmt.Errorf("* over a join with USING")
	}
	var out [][2]string
	for _, rel := range sc.rels {
		if qual != "" && rel.alias != qual {
			continue
		}
		cols, err := r.relColumns(rel)
		if err != nil {
			return nil, false, err
		}
		for _, c := range cols {
			if !exclude[strings.ToLower(c)] {
				out = append(out, [2]string{rel.alias, c})
			}
		}
	}
	return out, len(exclude) > 0, nil
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
