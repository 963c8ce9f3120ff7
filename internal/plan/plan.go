// Package plan turns loaded models into an ordered graph: it finds each
// model's dependencies with DuckDB's own parser, orders them, reports
// missing tables, cycles and duplicates all at once, and applies
// --select/--exclude. Nothing is written, except the project's macros
// (macros/*.sql, separated and typed by DuckDB's parser), which
// CreateMacros creates in the DuckDB a build, a description or a unit test
// runs in, alike.
package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Parser serialises a SELECT statement to DuckDB's JSON syntax tree.
type Parser interface {
	SerializeSQL(ctx context.Context, sql string) (string, error)
}

// Ref is one table a model reads, where it stands in the model file.
type Ref struct {
	ID     string // schema.name, lower case
	Offset int    // byte offset in the model file; -1 when unknown
	Alias  string // the alias written after the reference, if any
}

// Node is a model in the graph.
type Node struct {
	Model *project.Model
	Refs  []Ref
	// Deps are the models this one reads, by ID, sorted.
	Deps []string
}

// ID is the lower-case schema.name of the node's model.
func (n *Node) ID() string { return strings.ToLower(n.Model.ID()) }

// Inputs are the relations the model reads, models and others (bronze
// tables, the quarantine), by ID, sorted.
func (n *Node) Inputs() []string {
	var out []string
	for _, r := range n.Refs {
		if !slices.Contains(out, r.ID) {
			out = append(out, r.ID)
		}
	}
	sort.Strings(out)
	return out
}

// Graph is every model in dependency order.
type Graph struct {
	Nodes map[string]*Node
	// Order lists node IDs so that every model comes after what it reads;
	// among models free to go, by name.
	Order []string
	// External are relations a model may read that are not models (sources
	// and the tool's own tables).
	External map[string]bool
}

// New builds the graph of models; external names the relations that exist
// without a model (schema.name), reserved the tool's own relations (schema.name,
// or schema.* for a whole schema) with what each is, which no model may be.
func New(ctx context.Context, p Parser, models []*project.Model, external []string, reserved map[string]string) (*Graph, error) {
	g := &Graph{Nodes: map[string]*Node{}, External: map[string]bool{}}
	for _, e := range external {
		g.External[strings.ToLower(e)] = true
	}
	var errs diag.Errors
	for _, m := range models {
		n := &Node{Model: m}
		if prev, ok := g.Nodes[n.ID()]; ok {
			fe := diag.At(m.Path, m.Text, 1, 1, "duplicate model name %s: %s defines it too", m.ID(), prev.Model.Path)
			fe.Hint = "model names are case-insensitive; rename or remove one of the files"
			errs = append(errs, fe)
			continue
		}
		if owner := owned(n.ID(), reserved); owner != "" {
			fe := diag.At(m.Path, m.Text, 1, 1, "%s is %s: a model cannot be named like it", m.ID(), owner)
			fe.Hint = "rename the model, or move it to another schema folder under models/"
			errs = append(errs, fe)
			continue
		}
		if g.External[n.ID()] {
			errs = append(errs, diag.At(m.Path, m.Text, 1, 1, "duplicate model name %s: a source of that name is declared in elt.yaml", m.ID()))
			continue
		}
		refs, err := References(ctx, p, m)
		if err != nil {
			errs.Add(err)
			continue
		}
		errs = append(errs, checkFragments(ctx, p, m)...)
		n.Refs = refs
		g.Nodes[n.ID()] = n
	}
	ids := make([]string, 0, len(g.Nodes))
	for id := range g.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		n := g.Nodes[id]
		seen := map[string]bool{}
		for _, r := range n.Refs {
			if _, ok := g.Nodes[r.ID]; ok {
				if !seen[r.ID] && r.ID != id {
					seen[r.ID] = true
					n.Deps = append(n.Deps, r.ID)
				}
				if r.ID == id {
					errs = append(errs, refError(n.Model, r, "cycle: %s -> %s", id, id))
				}
				continue
			}
			if g.External[r.ID] {
				continue
			}
			errs = append(errs, refError(n.Model, r, "table %s is neither a model nor a declared source", r.ID).withHint(g.suggest(r.ID)))
		}
		sort.Strings(n.Deps)
	}
	errs.Add(g.order(ids).Err())
	if len(errs) > 0 {
		return nil, errs
	}
	return g, nil
}

// owned tells what the tool keeps at id, "" when nothing.
func owned(id string, reserved map[string]string) string {
	if what, ok := reserved[id]; ok {
		return what
	}
	schema, name, _ := strings.Cut(id, ".")
	if strings.HasPrefix(name, sqlname.StagingPrefix) {
		return "a name the build gives a table before publishing it (" + sqlname.StagingPrefix + "…)"
	}
	return reserved[schema+".*"]
}

type hintable struct{ *diag.FileError }

func (h hintable) withHint(s string) *diag.FileError { h.Hint = s; return h.FileError }

func refError(m *project.Model, r Ref, format string, args ...any) hintable {
	if r.Offset < 0 {
		return hintable{&diag.FileError{Path: m.Path, Msg: fmt.Sprintf(format, args...)}}
	}
	line, col := diag.Position(m.Text, r.Offset)
	return hintable{diag.At(m.Path, m.Text, line, col, format, args...)}
}

func (g *Graph) suggest(id string) string {
	name := id[strings.IndexByte(id, '.')+1:]
	var cands []string
	for k := range g.Nodes {
		if strings.HasSuffix(k, "."+name) {
			cands = append(cands, k)
		}
	}
	for k := range g.External {
		if strings.HasSuffix(k, "."+name) {
			cands = append(cands, k)
		}
	}
	sort.Strings(cands)
	if len(cands) > 0 {
		return "did you mean " + strings.Join(cands, " or ") + "?"
	}
	return "add a model models/" + strings.Replace(id, ".", "/", 1) + ".sql, declare a source in elt.yaml, or fix the name"
}

// Model finds the node of the model named schema.name, or says it has none
// and what was perhaps meant.
func (g *Graph) Model(name string) (*Node, error) {
	id := strings.ToLower(strings.TrimSpace(name))
	if n := g.Nodes[id]; n != nil {
		return n, nil
	}
	if !strings.Contains(id, ".") {
		var cands []string
		for k := range g.Nodes {
			if strings.HasSuffix(k, "."+id) {
				cands = append(cands, k)
			}
		}
		sort.Strings(cands)
		if len(cands) > 0 {
			return nil, fmt.Errorf("name the model with its schema: %s", strings.Join(cands, " or "))
		}
		return nil, fmt.Errorf("no model %s in this project: name it as schema.name (elt ls lists them)", name)
	}
	hint := g.suggest(id)
	if !strings.HasPrefix(hint, "did you mean") {
		hint = "elt ls lists the models"
	}
	return nil, fmt.Errorf("no model %s in this project: %s", name, hint)
}

// order sorts the graph topologically (Kahn, by name among ready nodes)
// and reports every cycle it cannot order.
func (g *Graph) order(ids []string) diag.Errors {
	indeg := map[string]int{}
	users := map[string][]string{}
	for _, id := range ids {
		indeg[id] += 0
		for _, d := range g.Nodes[id].Deps {
			indeg[id]++
			users[d] = append(users[d], id)
		}
	}
	var ready []string
	for _, id := range ids {
		if indeg[id] == 0 {
			ready = append(ready, id)
		}
	}
	for len(ready) > 0 {
		sort.Strings(ready)
		id := ready[0]
		ready = ready[1:]
		g.Order = append(g.Order, id)
		for _, u := range users[id] {
			indeg[u]--
			if indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(g.Order) == len(ids) {
		return nil
	}
	// Every node left sits on or behind a cycle; walk each cycle once.
	var errs diag.Errors
	reported := map[string]bool{}
	for _, start := range ids {
		if indeg[start] == 0 || reported[start] {
			continue
		}
		cycle := g.findCycle(start, indeg)
		if cycle == nil || reported[cycle[0]] {
			continue
		}
		for _, c := range cycle {
			reported[c] = true
		}
		// Report at the reference that closes the cycle in the first model.
		first := g.Nodes[cycle[0]]
		ref := Ref{Offset: -1}
		for _, r := range first.Refs {
			if r.ID == cycle[1] {
				ref = r
				break
			}
		}
		errs = append(errs, refError(first.Model, ref, "cycle: %s", strings.Join(append(cycle, cycle[0]), " -> ")).FileError)
	}
	return errs
}

func (g *Graph) findCycle(start string, indeg map[string]int) []string {
	// Follow dependencies that are themselves unresolved until a node repeats.
	var path []string
	at := map[string]int{}
	id := start
	for {
		if i, ok := at[id]; ok {
			cyc := path[i:]
			// Rotate so the smallest name leads: stable output.
			min := 0
			for j := range cyc {
				if cyc[j] < cyc[min] {
					min = j
				}
			}
			return append(append([]string{}, cyc[min:]...), cyc[:min]...)
		}
		at[id] = len(path)
		path = append(path, id)
		next := ""
		for _, d := range g.Nodes[id].Deps {
			if indeg[d] > 0 {
				next = d
				break
			}
		}
		if next == "" {
			return nil
		}
		id = next
	}
}

// References lists the tables a model reads, from DuckDB's syntax tree: every
// base table anywhere in the query, less the names of its CTEs.
func References(ctx context.Context, p Parser, m *project.Model) ([]Ref, error) {
	tree, err := queryTree(ctx, p, m.Path, m.Text, m.Body, "a model")
	if err != nil {
		return nil, err
	}
	ctes := map[string]bool{}
	var tables []Ref
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if cm, ok := x["cte_map"].(map[string]any); ok {
				if entries, ok := cm["map"].([]any); ok {
					for _, e := range entries {
						if em, ok := e.(map[string]any); ok {
							if k, ok := em["key"].(string); ok {
								ctes[strings.ToLower(k)] = true
							}
						}
					}
				}
			}
			if x["type"] == "BASE_TABLE" {
				schema, _ := x["schema_name"].(string)
				table, _ := x["table_name"].(string)
				off := -1
				if f, ok := x["query_location"].(float64); ok && f < 1e15 {
					off = int(f)
				}
				if schema == "" {
					if ctes[strings.ToLower(table)] {
						break
					}
					schema = "\x00" // resolved below, after all CTE names are known
				}
				alias, _ := x["alias"].(string)
				tables = append(tables, Ref{ID: strings.ToLower(schema + "." + table), Offset: off, Alias: alias})
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(tree)
	var refs []Ref
	for _, r := range tables {
		if strings.HasPrefix(r.ID, "\x00.") {
			name := strings.TrimPrefix(r.ID, "\x00.")
			if ctes[name] {
				continue
			}
			// An unqualified name means a relation in the model's own schema.
			r.ID = strings.ToLower(m.Schema) + "." + name
		}
		refs = append(refs, r)
	}
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].Offset < refs[j].Offset })
	return refs, nil
}

// queryTree is DuckDB's syntax tree of body, the text of path (body's
// offsets are text's) when it is exactly one query; otherwise an error at
// path:line:col. what names the file's kind in messages ("a model").
func queryTree(ctx context.Context, p Parser, path, text, body, what string) (any, error) {
	out, err := p.SerializeSQL(ctx, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var tree any
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		return nil, fmt.Errorf("%s: read the parser's answer: %w", path, err)
	}
	if obj, ok := tree.(map[string]any); ok && obj["error"] == true {
		msg, _ := obj["error_message"].(string)
		pos, _ := strconv.Atoi(fmt.Sprint(obj["position"]))
		line, col := diag.Position(text, diag.ByteOffset(body, max(pos, 0)))
		// json_serialize_sql types its errors (error_type); a statement
		// that is not a query is "not implemented".
		notQuery := obj["error_type"] == "not implemented"
		if notQuery {
			line, col = firstWord(text, body)
		}
		fe := diag.At(path, text, line, col, "%s", msg)
		if notQuery {
			fe.Msg = what + " is one query, and this file holds a statement that is not one"
			fe.Hint = what + " is one SELECT query (WITH ... SELECT is fine)"
		}
		return nil, fe
	}
	if obj, ok := tree.(map[string]any); ok {
		if st, ok := obj["statements"].([]any); ok && len(st) != 1 {
			return nil, &diag.FileError{Path: path, Msg: fmt.Sprintf("%s holds one query, this file holds %d statements", what, len(st))}
		}
	}
	return tree, nil
}

// firstWord is the line and column of body's first character that is not
// space or comment.
func firstWord(text, body string) (line, col int) {
	if sts, err := warehouse.Statements(body); err == nil && len(sts) > 0 {
		return diag.Position(text, sts[0].Offset)
	}
	return 1, 1
}

// DataTests checks that each data test (sql/tests/*.sql) is exactly one
// query, by DuckDB's parser, before anything runs; each error is at its
// file:line:col.
func DataTests(ctx context.Context, p Parser, tests []project.SQLFile) error {
	var errs diag.Errors
	for _, t := range tests {
		_, err := queryTree(ctx, p, t.Path, t.Text, t.Text, "a data test")
		errs.Add(err)
	}
	return errs.Err()
}
