package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/project"
)

// FragmentKind is what a SQL fragment of a model header must be.
type FragmentKind int

// The kinds of header fragment.
const (
	Expression  FragmentKind = iota // one expression: expression checks, partition_by
	OrderByList                     // an ORDER BY list: order_by
	Query                           // one SELECT query: affected_keys
)

// fragmentWrap is how each kind is put into a statement for the parser: the
// fragment stands after the prefix, and a line break ends it so a trailing
// -- comment cannot swallow what follows.
var fragmentWrap = map[FragmentKind]string{
	Expression:  "SELECT ",
	OrderByList: "SELECT 1 ORDER BY ",
	Query:       "",
}

// CheckFragment has DuckDB's parser confirm that text is exactly one
// fragment of the kind: one expression (no alias, no second item, nothing
// after it), one ORDER BY list, or one SELECT query. Anything else — a
// closing parenthesis that escapes, a second statement, a FROM — is an
// error, before the fragment is ever spliced into SQL.
func CheckFragment(ctx context.Context, p Parser, kind FragmentKind, text string) error {
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("it is empty")
	}
	prefix := fragmentWrap[kind]
	node, err := parseOne(ctx, p, prefix+text+"\n")
	if err != nil {
		return err
	}
	if kind == Query {
		return nil
	}
	base, err := parseOne(ctx, p, "SELECT 1")
	if err != nil {
		return err
	}
	switch kind {
	case Expression:
		items, _ := node["select_list"].([]any)
		if len(items) != 1 {
			return fmt.Errorf("it holds %d expressions; write one", len(items))
		}
		item, _ := items[0].(map[string]any)
		if item["alias"] != nil || item["class"] == "STAR" {
			return fmt.Errorf("it is not a plain expression (no alias, no *)")
		}
		delete(node, "select_list")
		delete(base, "select_list")
	case OrderByList:
		mods, _ := node["modifiers"].([]any)
		if len(mods) != 1 || mods[0].(map[string]any)["type"] != "ORDER_MODIFIER" {
			return fmt.Errorf("it is not just an ORDER BY list")
		}
		delete(node, "modifiers")
	}
	if !reflect.DeepEqual(node, base) {
		return fmt.Errorf("it holds more than %s (a FROM, WHERE, LIMIT or the like)", map[FragmentKind]string{Expression: "one expression", OrderByList: "an ORDER BY list"}[kind])
	}
	return nil
}

// parseOne parses sql and returns the node of its one SELECT statement.
func parseOne(ctx context.Context, p Parser, sql string) (map[string]any, error) {
	out, err := p.SerializeSQL(ctx, sql)
	if err != nil {
		return nil, err
	}
	var tree struct {
		Error      bool   `json:"error"`
		Message    string `json:"error_message"`
		Position   string `json:"position"`
		Statements []struct {
			Node map[string]any `json:"node"`
		} `json:"statements"`
	}
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		return nil, fmt.Errorf("read the parser's answer: %w", err)
	}
	if tree.Error {
		if strings.Contains(tree.Message, "Only SELECT") {
			return nil, fmt.Errorf("it is not a SELECT query")
		}
		return nil, fmt.Errorf("DuckDB cannot parse it: %s", tree.Message)
	}
	if len(tree.Statements) != 1 {
		return nil, fmt.Errorf("it holds %d statements; write one", len(tree.Statements))
	}
	return tree.Statements[0].Node, nil
}

// fragment is one SQL fragment of a model header.
type fragment struct {
	key  string // the header key, for the error's position
	kind FragmentKind
	text string
}

// fragments lists every SQL fragment of a model's header.
func fragments(m *project.Model) []fragment {
	var out []fragment
	h := m.Header
	if h.OrderBy != "" {
		out = append(out, fragment{"order_by", OrderByList, h.OrderBy})
	}
	if h.AffectedKeys != "" {
		out = append(out, fragment{"affected_keys", Query, h.AffectedKeys})
	}
	for _, c := range m.Checks() {
		if c.Kind == "expression" {
			out = append(out, fragment{"expression", Expression, c.Expr})
		}
	}
	if h.Export != nil {
		for _, p := range h.Export.PartitionBy {
			out = append(out, fragment{"expr", Expression, p.Expr})
		}
	}
	return out
}

// checkFragments checks every SQL fragment of a model's header and reports
// each bad one at its place in the file.
func checkFragments(ctx context.Context, p Parser, m *project.Model) diag.Errors {
	var errs diag.Errors
	for _, f := range fragments(m) {
		if err := CheckFragment(ctx, p, f.kind, f.text); err != nil {
			line, col := fragmentPosition(m, f)
			fe := diag.At(m.Path, m.Text, line, col, "%s %s is not %s: %v", f.key, strconv.Quote(f.text),
				map[FragmentKind]string{Expression: "one SQL expression", OrderByList: "one ORDER BY list", Query: "one SELECT query"}[f.kind], err)
			fe.Hint = "header fields hold SQL fragments that elt places inside its own statements; write just the " +
				map[FragmentKind]string{Expression: "expression, such as amount >= 0", OrderByList: "ordering, such as updated_at DESC, _line DESC", Query: "query, such as SELECT user_id FROM changes_silver__users"}[f.kind]
			errs = append(errs, fe)
		}
	}
	return errs
}

// fragmentPosition is where a fragment's text stands in the model file, or
// its key when the text is not there verbatim (a folded YAML string).
func fragmentPosition(m *project.Model, f fragment) (int, int) {
	if i := strings.Index(m.Text, f.text); i >= 0 {
		return diag.Position(m.Text, i)
	}
	if i := strings.Index(m.Text, f.key+":"); i >= 0 {
		return diag.Position(m.Text, i)
	}
	return 1, 1
}
