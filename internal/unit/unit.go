// Package unit runs model unit tests, as dbt 1.8 and SQLMesh have them:
// tests/<name>.yaml gives rows for a model's inputs and the rows the model
// must return. Each runs in an in-memory DuckDB with exactly the SQL a build
// runs; an incremental model is also built from part of the rows and
// brought up to date with the rest by its incremental SQL, and must return
// the same rows. It owns `elt test`'s unit tests (RunSelected) and `elt
// tests scaffold` (WriteScaffold).
package unit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Dir is where unit tests live, under the project folder.
const Dir = "tests"

// Test is one tests/<name>.yaml.
type Test struct {
	// Path is relative to the project folder, with / separators.
	Path        string `yaml:"-"`
	Model       string `yaml:"model"`
	Description string `yaml:"description,omitempty"`
	// Given holds the rows of the model's inputs, by relation
	// (silver.events, bronze.users, ref.fx_rates): an input given here
	// holds exactly these rows (a seed's CSV rows are replaced, not added
	// to); inputs not given are empty, but for seeds, which hold their
	// CSV's rows.
	Given map[string][]Row `yaml:"given"`
	// Increment holds, for an incremental model, the input rows that
	// arrive after a first build; without it the later half of each
	// input's given rows do.
	Increment map[string][]Row `yaml:"increment,omitempty"`
	// Expect is every row the model must return, in any order; columns
	// left out are not compared.
	Expect []Row `yaml:"expect"`
}

// Row is one row: column name to value (null for NULL; a mapping or list
// for a JSON value).
type Row map[string]any

// Load reads every tests/*.yaml of the project, by path.
func Load(dir string) ([]Test, error) {
	var out []Test
	err := project.WalkFiles(dir, Dir, func(rel, path string) error {
		if filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		t := Test{Path: rel}
		if err := diag.DecodeYAML(rel, string(b), &t); err != nil {
			// Each mistake at its line and column, said to be one of a
			// unit test's.
			var errs diag.Errors
			for _, e := range flatten(err) {
				if fe, ok := e.(*diag.FileError); ok {
					fe.Msg = "not a unit test: " + fe.Msg
				}
				errs = append(errs, e)
			}
			if fe, ok := errs[len(errs)-1].(*diag.FileError); ok && fe.Hint == "" {
				fe.Hint = "a unit test has model:, given: (rows by input) and expect: (rows)"
			}
			return errs
		}
		if t.Model == "" {
			return &diag.FileError{Path: t.Path, Msg: "model: is missing: name the model this test runs (schema.name)"}
		}
		out = append(out, t)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// flatten is the errors of a list, or err alone.
func flatten(err error) []error {
	var errs diag.Errors
	if errors.As(err, &errs) {
		return errs
	}
	return []error{err}
}

// Names lists the tests of each model, by model ID.
func Names(dir string) (map[string][]string, error) {
	tests, err := Load(dir)
	out := map[string][]string{}
	for _, t := range tests {
		id := strings.ToLower(t.Model)
		out[id] = append(out[id], t.Path)
	}
	return out, err
}

// Result is how one test fared, once per way of building the model.
type Result struct {
	Test    string
	Model   string
	How     string   // "whole", or "as an increment"
	Missing []string // expected rows not returned, as text
	Extra   []string // returned rows not expected
	Err     error    // the test could not run
}

// Passed tells whether the model returned exactly the expected rows.
func (r Result) Passed() bool { return r.Err == nil && len(r.Missing) == 0 && len(r.Extra) == 0 }

// Run runs a test: the model built whole and, for an incremental model,
// as an increment, each in a fresh in-memory DuckDB with the project's
// macros (plan.CreateMacros) and variables, as a build prepares the warehouse.
func Run(ctx context.Context, p *project.Project, g *plan.Graph, t Test) []Result {
	n := g.Nodes[strings.ToLower(t.Model)]
	if n == nil {
		return []Result{{Test: t.Path, Model: t.Model, How: "whole", Err: fmt.Errorf("%s: no model %s in this project", t.Path, t.Model)}}
	}
	out := []Result{run(ctx, p, g, n, t, false)}
	if n.Model.Header.Materialized == project.Incremental {
		out = append(out, run(ctx, p, g, n, t, true))
	}
	return out
}

func run(ctx context.Context, p *project.Project, g *plan.Graph, n *plan.Node, t Test, increment bool) Result {
	res := Result{Test: t.Path, Model: n.Model.ID(), How: "whole"}
	if increment {
		res.How = "as an increment"
	}
	db, err := warehouse.Open(ctx, "", warehouse.Options{Threads: 1, FileSearchPath: p.Dir, Setup: sqlname.SetVariables(p.Config.Vars)})
	if err != nil {
		res.Err = err
		return res
	}
	defer db.Close()
	if err := plan.CreateMacros(ctx, db, p.Macros, false); err != nil {
		res.Err = err
		return res
	}
	if err := state.Migrate(db.DB); err != nil { // the tool's own tables, which models may read
		res.Err = err
		return res
	}
	// One connection: the change sets are temporary tables.
	conn, err := db.Conn(ctx)
	if err != nil {
		res.Err = err
		return res
	}
	defer conn.Close()
	res.Err = func() error {
		if err := emptyInputs(ctx, conn, p, g, n); err != nil {
			return err
		}
		first, later := split(t, n)
		for rel := range t.Given {
			if g.Nodes[strings.ToLower(rel)] == nil && !g.External[strings.ToLower(rel)] {
				return fmt.Errorf("%s: given: %s is not a model or source of this project", t.Path, rel)
			}
			if !slices.ContainsFunc(n.Inputs(), func(id string) bool { return strings.EqualFold(id, rel) }) {
				return fmt.Errorf("%s: given: %s is not read by %s (it reads %s)", t.Path, rel, n.Model.ID(), strings.Join(n.Inputs(), ", "))
			}
		}
		given := t.Given
		if increment {
			given = first
		}
		for rel, rows := range given {
			// The given rows are the input's rows, whole: a seed's CSV
			// (built above with its model) is replaced, not added to.
			if err := emptyRelation(ctx, conn, rel); err != nil {
				return fmt.Errorf("%s: given %s: %w", t.Path, rel, err)
			}
			if err := insert(ctx, conn, rel, rows, 1); err != nil {
				return fmt.Errorf("%s: given %s: %w", t.Path, rel, err)
			}
		}
		if err := exec(ctx, conn, compile.Statements(n.Model)); err != nil {
			return fmt.Errorf("%s: build %s: %w", t.Path, n.Model.ID(), err)
		}
		if increment {
			if err := applyIncrement(ctx, conn, g, n, later); err != nil {
				return fmt.Errorf("%s: %s as an increment: %w", t.Path, n.Model.ID(), err)
			}
		}
		res.Missing, res.Extra, err = diff(ctx, conn, n.Model, t.Expect)
		if err != nil {
			return fmt.Errorf("%s: expect: %w", t.Path, err)
		}
		return nil
	}()
	return res
}

// emptyInputs creates every relation the model's SQL may read, empty and
// with the types a build gives them: the tool's own tables, the sources'
// bronze tables, and the models upstream built over those.
func emptyInputs(ctx context.Context, conn *sql.Conn, p *project.Project, g *plan.Graph, n *plan.Node) error {
	for _, src := range ingest.Declared(p.Config, p.Resolve(p.Config.Paths.Bronze)) {
		if err := ingest.Prepare(ctx, conn, src); err != nil {
			return err
		}
	}
	for _, id := range upstream(g, n) {
		m := g.Nodes[id].Model
		if err := exec(ctx, conn, compile.Statements(m)); err != nil {
			return fmt.Errorf("build %s empty (an input): %w", m.ID(), err)
		}
	}
	return nil
}

// upstream lists the models n reads, directly or not, in build order.
func upstream(g *plan.Graph, n *plan.Node) []string {
	need := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		for _, d := range g.Nodes[id].Deps {
			if g.Nodes[d] != nil && !need[d] {
				need[d] = true
				visit(d)
			}
		}
	}
	visit(n.ID())
	var out []string
	for _, id := range g.Order {
		if need[id] {
			out = append(out, id)
		}
	}
	return out
}

// split divides the given rows into those of a first build and those that
// arrive after it: the test's increment:, else the later half of each
// input's rows.
func split(t Test, n *plan.Node) (first, later map[string][]Row) {
	if t.Increment != nil {
		return t.Given, t.Increment
	}
	first, later = map[string][]Row{}, map[string][]Row{}
	for rel, rows := range t.Given {
		k := (len(rows) + 1) / 2
		first[rel], later[rel] = rows[:k], rows[k:]
	}
	return first, later
}

// applyIncrement adds the later rows to the inputs and runs the model's
// incremental SQL, as a build after they arrived would: new bronze rows
// carry a later run, and each input model's change set holds its new rows.
func applyIncrement(ctx context.Context, conn *sql.Conn, g *plan.Graph, n *plan.Node, later map[string][]Row) error {
	for _, d := range n.Deps {
		if dn := g.Nodes[d]; dn != nil {
			if _, err := conn.ExecContext(ctx, compile.EmptyChanges(dn.Model)); err != nil {
				return err
			}
		}
	}
	for rel, rows := range later {
		if err := insert(ctx, conn, rel, rows, 2); err != nil {
			return fmt.Errorf("increment %s: %w", rel, err)
		}
		if dn := g.Nodes[strings.ToLower(rel)]; dn != nil {
			cols, err := columns(ctx, conn, rel)
			if err != nil {
				return err
			}
			if err := insertInto(ctx, conn, compile.ChangesTable(dn.Model), cols, rows, 2); err != nil {
				return err
			}
		}
	}
	steps, err := compile.IncrementalSteps(g, n, 1)
	if err != nil {
		return err
	}
	for _, st := range steps {
		run, err := st.Runs(ctx, conn)
		if err != nil {
			return err
		}
		if run {
			if _, err := conn.ExecContext(ctx, st.SQL); err != nil {
				return err
			}
		}
		// As in a build: a merge's new rows, or a recompute's, hold one row
		// a key, or the increment stops.
		if st.Duplicates != "" {
			if err := check.DuplicateKeys(ctx, conn, n.Model, "the rows this increment computed", "the test stopped there", st.Duplicates); err != nil {
				return err
			}
		}
	}
	return nil
}

func exec(ctx context.Context, conn *sql.Conn, stmts []string) error {
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// emptyRelation empties an input relation, so that a test's given rows are all it
// holds.
func emptyRelation(ctx context.Context, conn *sql.Conn, rel string) error {
	schema, name, ok := strings.Cut(rel, ".")
	if !ok {
		return fmt.Errorf("name the relation as schema.name, not %q", rel)
	}
	_, err := conn.ExecContext(ctx, "DELETE FROM "+sqlname.Qualified(schema, name).String())
	return err
}

func insert(ctx context.Context, conn *sql.Conn, rel string, rows []Row, runID int) error {
	schema, name, ok := strings.Cut(rel, ".")
	if !ok {
		return fmt.Errorf("name the relation as schema.name, not %q", rel)
	}
	cols, err := columns(ctx, conn, rel)
	if err != nil {
		return err
	}
	return insertInto(ctx, conn, sqlname.Qualified(schema, name), cols, rows, runID)
}

// insertInto adds rows to table, whose columns (lower case) are cols.
// Values go in as text literals DuckDB casts to each column's type.
// Bronze's _file, _line and _run_id are filled in when not given.
func insertInto(ctx context.Context, conn *sql.Conn, table sqlname.Relation, cols map[string]bool, rows []Row, runID int) error {
	if len(rows) == 0 {
		return nil
	}
	// One column list for every row: the columns any row gives (a row
	// without one gets NULL), and bronze's own where the table has them.
	var names []string
	given := map[string]string{} // lower-case name → as written
	for i, r := range rows {
		for k := range r {
			if !cols[strings.ToLower(k)] {
				return fmt.Errorf("row %d: no column %q (columns: %s)", i+1, k, strings.Join(sortedKeys(cols), ", "))
			}
			if _, ok := given[strings.ToLower(k)]; !ok {
				given[strings.ToLower(k)] = k
				names = append(names, k)
			}
		}
	}
	sort.Strings(names)
	defaults := map[string]func(i int) string{
		"_file":   func(int) string { return "'unit-test'" },
		"_line":   func(i int) string { return fmt.Sprint(i + 1 + 1000*runID) },
		"_run_id": func(int) string { return fmt.Sprint(runID) },
	}
	for _, k := range ingest.BronzeColumns {
		if _, ok := given[k]; cols[k] && !ok {
			names = append(names, k)
		}
	}
	tuple := func(i int) string {
		values := make([]string, len(names))
		for j, n := range names {
			v, ok := lookup(rows[i], n)
			switch {
			case ok:
				values[j] = literal(v)
			case defaults[strings.ToLower(n)] != nil && cols[strings.ToLower(n)]:
				values[j] = defaults[strings.ToLower(n)](i)
			default:
				values[j] = "NULL"
			}
		}
		return "(" + strings.Join(values, ", ") + ")"
	}
	quoted := make([]string, len(names))
	for j, n := range names {
		quoted[j] = sqlname.Ident(n)
	}
	head := "INSERT INTO " + table.String() + " (" + strings.Join(quoted, ", ") + ") VALUES "
	tuples := make([]string, len(rows))
	for i := range rows {
		tuples[i] = tuple(i)
	}
	if _, err := conn.ExecContext(ctx, head+strings.Join(tuples, ",\n")); err == nil {
		return nil
	}
	// Name the row that failed: each alone, inserted only once one fails
	// (the whole statement was rolled back).
	for i := range rows {
		if _, err := conn.ExecContext(ctx, head+tuples[i]); err != nil {
			return fmt.Errorf("row %d: %w", i+1, err)
		}
	}
	return nil
}

// lookup finds a row's value for a column, whatever the case of its name.
func lookup(r Row, name string) (any, bool) {
	if v, ok := r[name]; ok {
		return v, true
	}
	for k, v := range r {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func columns(ctx context.Context, conn *sql.Conn, rel string) (map[string]bool, error) {
	schema, name, _ := strings.Cut(rel, ".")
	out, err := warehouse.Set(ctx, conn, `SELECT lower(column_name) FROM information_schema.columns WHERE lower(table_schema) = lower(?) AND lower(table_name) = lower(?)`, schema, name)
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no relation %s", rel)
	}
	return out, err
}

// literal writes a YAML value as SQL: NULL, a text literal, or JSON text
// for a mapping or list.
func literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return sqlname.Literal(x)
	case Row, map[string]any, map[any]any, []any:
		b, _ := json.Marshal(plain(x))
		return sqlname.Literal(string(b))
	default:
		return sqlname.Literal(fmt.Sprint(x))
	}
}

// plain turns YAML's maps into ones encoding/json writes.
func plain(v any) any {
	switch x := v.(type) {
	case Row:
		return plain(map[string]any(x))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

// diff compares the model's rows with the expected ones on the expected
// columns, as multisets, in DuckDB: expected rows are cast to the model's
// column types first.
func diff(ctx context.Context, conn *sql.Conn, m *project.Model, expect []Row) (missing, extra []string, err error) {
	target := sqlname.Qualified(m.Schema, m.Name).String()
	cols, err := columns(ctx, conn, m.ID())
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, r := range expect {
		for k := range r {
			if !cols[strings.ToLower(k)] {
				return nil, nil, fmt.Errorf("%s has no column %q", m.ID(), k)
			}
			if !seen[strings.ToLower(k)] {
				seen[strings.ToLower(k)] = true
				names = append(names, k)
			}
		}
	}
	if len(names) == 0 { // expect no rows: compare every column
		names = sortedKeys(cols)
		for _, c := range names {
			seen[c] = true
		}
	}
	sort.Strings(names)
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = sqlname.Ident(n)
	}
	list := strings.Join(quoted, ", ")
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE elt_expect AS SELECT "+list+" FROM "+target+" LIMIT 0"); err != nil {
		return nil, nil, err
	}
	if err := insertInto(ctx, conn, sqlname.Temp("elt_expect"), seen, expect, 0); err != nil {
		return nil, nil, err
	}
	show := func(q string) ([]string, error) {
		var parts []string
		for _, n := range names {
			parts = append(parts, sqlname.Literal(n+"=")+" || coalesce("+sqlname.Ident(n)+"::VARCHAR, 'NULL')")
		}
		rows, err := conn.QueryContext(ctx, "SELECT concat_ws(' ', "+strings.Join(parts, ", ")+") AS r FROM ("+q+") ORDER BY r")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, rows.Err()
	}
	got := "SELECT " + list + " FROM " + target
	want := "SELECT " + list + " FROM elt_expect"
	if missing, err = show(want + " EXCEPT ALL " + got); err != nil {
		return nil, nil, err
	}
	extra, err = show(got + " EXCEPT ALL " + want)
	return missing, extra, err
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
