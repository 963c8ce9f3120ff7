// Package tree reads DuckDB's syntax tree of a query (json_serialize_sql)
// for the translator, for no engine in particular: its nodes, walking
// them, the types it names, and what names mean in it (scopes, a query's
// output columns, * expanded, an expression's type when the query says
// it).
package tree

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Node is an object of DuckDB's syntax tree.
type Node = map[string]any

// Decode reads a syntax tree as json_serialize_sql writes it, numbers as
// json.Number.
func Decode(s string) (Node, error) {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var n Node
	if err := d.Decode(&n); err != nil {
		return nil, fmt.Errorf("read DuckDB's syntax tree: %w", err)
	}
	return n, nil
}

// Obj is v as a node, nil when it is not one.
func Obj(v any) Node { m, _ := v.(Node); return m }

// List is v as a list, nil when it is not one.
func List(v any) []any { l, _ := v.([]any); return l }

// Str is v as a string, "" when it is not one.
func Str(v any) string { s, _ := v.(string); return s }

// Ptr is a node's identity, to key what is said of it.
func Ptr(n Node) uintptr { return reflect.ValueOf(n).Pointer() }

// Walk visits the expressions (the nodes with a class) in v in a fixed
// order; visit returns false not to go inside a node.
func Walk(v any, visit func(e Node) bool) {
	switch x := v.(type) {
	case Node:
		if x["class"] != nil && !visit(x) {
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			Walk(x[k], visit)
		}
	case []any:
		for _, item := range x {
			Walk(item, visit)
		}
	}
}

// DuckType spells a type node (a cast's, a constant's) as DuckDB prints
// the type.
func DuckType(t Node) string {
	id := Str(t["id"])
	info := Obj(t["type_info"])
	switch id {
	case "DECIMAL":
		if info != nil {
			return "DECIMAL(" + string(info["width"].(json.Number)) + "," + string(info["scale"].(json.Number)) + ")"
		}
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_TZ":
		return "TIMESTAMP WITH TIME ZONE"
	case "TIME WITH TIME ZONE", "TIME_TZ":
		return "TIME WITH TIME ZONE"
	case "LIST", "STRUCT", "MAP", "ARRAY", "UNION":
		return id + "(...)"
	case "USER":
		return strings.ToUpper(Str(info["user_type_name"]))
	case "UNBOUND":
		// A type the parser leaves to the binder by name (JSON).
		if n := Str(info["name"]); n != "" {
			return strings.ToUpper(n)
		}
	}
	return id
}

// outputName is the name DuckDB gives a select-list expression when it is
// plain ("" when DuckDB makes one up from the expression's text).
func outputName(e Node) string {
	if a := Str(e["alias"]); a != "" {
		return a
	}
	if Str(e["class"]) == "COLUMN_REF" {
		n := List(e["column_names"])
		return Str(n[len(n)-1])
	}
	return ""
}

// Location is the byte offset (below size) of a node in the SQL: its
// query_location or, when it has none, the least of its descendants'; -1
// when none has one.
func Location(n Node, size int) int {
	if v, ok := n["query_location"].(json.Number); ok {
		if i, err := v.Int64(); err == nil && i >= 0 && i < int64(size) {
			return int(i)
		}
	}
	best := -1
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case Node:
			if l := Location(x, size); l >= 0 && (best < 0 || l < best) {
				best = l
			}
		case []any:
			for _, item := range x {
				visit(item)
			}
		}
	}
	for _, v := range n {
		visit(v)
	}
	return best
}

// Unseen finds what a printer reading the tree would not see: a sample
// (USING SAMPLE, TABLESAMPLE), or grouping sets (ROLLUP, CUBE, GROUPING
// SETS), told apart from a plain GROUP BY only in the full tree of sql
// (full serializes it, empty lists kept; nil when it cannot: an empty
// grouping set is an empty list). It returns the construct, what to do
// instead and its offset in sql, or "" for none.
func Unseen(root Node, sql string, full func() (string, error)) (construct, hint string, offset int, err error) {
	size := len(sql)
	WalkAll(root, func(n Node) {
		if construct == "" && Obj(n["sample"]) != nil {
			construct, hint, offset = "USING SAMPLE (TABLESAMPLE)", "sample in DuckDB, or filter the rows (WHERE)", Location(n, size)
		}
	})
	if construct != "" {
		return construct, hint, offset, nil
	}
	if full == nil || !strings.Contains(strings.ToUpper(sql), "GROUP") {
		return "", "", -1, nil
	}
	text, err := full()
	if err != nil {
		return "", "", -1, err
	}
	fr, err := Decode(text)
	if err != nil {
		return "", "", -1, err
	}
	WalkAll(fr, func(n Node) {
		if construct != "" || n["group_sets"] == nil {
			return
		}
		keys, sets := List(n["group_expressions"]), List(n["group_sets"])
		if len(sets) == 0 || len(sets) == 1 && len(List(sets[0])) == len(keys) {
			return // none, or GROUP BY every key
		}
		construct, hint, offset = "ROLLUP, CUBE or GROUPING SETS", "GROUP BY the keys, and UNION ALL the subtotals", -1
		if len(keys) > 0 {
			offset = Location(Obj(keys[0]), size)
		}
	})
	return construct, hint, offset, nil
}

// WalkAll calls visit on every object of a syntax tree.
func WalkAll(v any, visit func(n Node)) {
	switch x := v.(type) {
	case Node:
		visit(x)
		for _, c := range x {
			WalkAll(c, visit)
		}
	case []any:
		for _, c := range x {
			WalkAll(c, visit)
		}
	}
}
