package plan

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// AggregateNamer is a Parser that knows DuckDB's aggregate functions (a
// *warehouse.DB does).
type AggregateNamer interface {
	AggregateNames(ctx context.Context) (map[string]bool, error)
}

// CheckRecordExpression has DuckDB's parser confirm that text is one
// expression over one record of a source: CheckFragment's one expression,
// reading no column but the source's fields (any case) and holding no
// aggregate or window function and no subquery, which would fail or read
// other tables inside the generated ingestion SQL. aggregates are the
// aggregate function names, lower case (nil: not checked).
func CheckRecordExpression(ctx context.Context, p Parser, text string, fields []string, aggregates map[string]bool) error {
	if err := CheckFragment(ctx, p, Expression, text); err != nil {
		return err
	}
	node, err := parseOne(ctx, p, fragmentWrap[Expression]+text+"\n")
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, f := range fields {
		known[strings.ToLower(f)] = true
	}
	items, _ := node["select_list"].([]any)
	w := recordWalker{fields: known, aggregates: aggregates, names: fields}
	return w.walk(items, nil)
}

// recordWalker walks an expression's syntax tree for what a record check
// may not hold.
type recordWalker struct {
	fields     map[string]bool // lower case
	names      []string        // as declared, for messages
	aggregates map[string]bool
}

// walk visits a node of the tree; bound are lambda parameters in scope.
func (w recordWalker) walk(n any, bound map[string]bool) error {
	switch v := n.(type) {
	case []any:
		for _, c := range v {
			if err := w.walk(c, bound); err != nil {
				return err
			}
		}
	case map[string]any:
		switch v["class"] {
		case "WINDOW":
			return fmt.Errorf("it uses the window function %v: a check sees one record at a time", v["function_name"])
		case "SUBQUERY":
			return fmt.Errorf("it holds a subquery: a check reads only the record's own fields")
		case "FUNCTION":
			if name, _ := v["function_name"].(string); w.aggregates[strings.ToLower(name)] {
				if name == "count_star" {
					name = "count(*)"
				}
				return fmt.Errorf("it uses the aggregate function %s: a check is true or false for each record on its own (a check over all rows goes in a model's header)", name)
			}
		case "COLUMN_REF":
			names, _ := v["column_names"].([]any)
			if len(names) > 0 {
				first, _ := names[0].(string)
				if l := strings.ToLower(first); !w.fields[l] && !bound[l] && !(len(names) == 1 && valueKeywords[l]) {
					sorted := append([]string(nil), w.names...)
					sort.Strings(sorted)
					return fmt.Errorf("it reads %s, which is not a field of the source (fields: %s)", first, strings.Join(sorted, ", "))
				}
			}
			return nil
		case "LAMBDA":
			inner := map[string]bool{}
			for k := range bound {
				inner[k] = true
			}
			collectParams(v["lhs"], inner)
			return w.walk(v["expr"], inner)
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the first problem in a stable order
		for _, k := range keys {
			if err := w.walk(v[k], bound); err != nil {
				return err
			}
		}
	}
	return nil
}

// valueKeywords are the SQL words without parentheses that DuckDB's
// parser reads as a column and its binder, when no column has the name,
// as a function (current_date).
var valueKeywords = map[string]bool{"current_date": true, "current_time": true, "current_timestamp": true, "localtime": true, "localtimestamp": true,
	"current_user": true, "session_user": true, "user": true, "current_role": true, "current_catalog": true, "current_schema": true}

// collectParams adds a lambda's parameter names (x, or (x, y)) to bound.
func collectParams(n any, bound map[string]bool) {
	switch v := n.(type) {
	case []any:
		for _, c := range v {
			collectParams(c, bound)
		}
	case map[string]any:
		if v["class"] == "COLUMN_REF" {
			if names, _ := v["column_names"].([]any); len(names) == 1 {
				if s, ok := names[0].(string); ok {
					bound[strings.ToLower(s)] = true
				}
			}
			return
		}
		for _, c := range v {
			collectParams(c, bound)
		}
	}
}
