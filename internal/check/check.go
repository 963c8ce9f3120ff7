// Package check runs data checks inside DuckDB: the checks declared in model
// headers (all of a model's row checks in one aggregate scan), the data
// tests in sql/tests/ (queries that must return no rows) and the sources'
// quarantine gate. A build runs them before it publishes (Audit); `elt
// test` runs them against what is published (Test). It also owns the
// reconciliation of record counts (Reconcile). The checks a built model's
// data supports (`elt checks suggest`) are check/suggest's.
package check

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Result is the outcome of one check.
type Result struct {
	Target   string // the model (schema.name), "source <name>" or the test file
	Label    string
	Severity contract.Severity
	Failing  int64
	Total    int64
	// Allowed is the largest share of failing rows that still passes.
	Allowed float64
	Passed  bool
	// Detail explains a check that is not about failing rows (row_count).
	Detail  string
	Samples *output.Result
	// Err is set when the check itself could not run; it counts as failed.
	Err string
	// Unit names what is counted: rows (default), records (the source
	// gate) or test (a data test's returned rows).
	Unit string
}

// Share is the failing rows' share of all rows.
func (r Result) Share() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Failing) / float64(r.Total)
}

// Blocking tells whether the result stops publication: a failed (or
// broken) check of severity error.
func (r Result) Blocking() bool { return !r.Passed && r.Severity == contract.Error }

// ChecksFailed stops a build whose blocking checks failed: nothing of it
// is published. Engine names the engine it was built in, "" for the
// embedded warehouse.
type ChecksFailed struct {
	Failed int
	Engine string
}

// Blocked tells that a gate refused publication (the run's status is
// blocked, not failed).
func (e *ChecksFailed) Blocked() bool { return true }

func (e *ChecksFailed) Error() string {
	if e.Engine != "" {
		return fmt.Sprintf("%d blocking check%s failed in the %s engine: nothing was published there", e.Failed, diag.Plural(e.Failed), e.Engine)
	}
	return fmt.Sprintf("%d blocking check%s failed: nothing was published; the warehouse and the exports are as they were", e.Failed, diag.Plural(e.Failed))
}

// Blocking counts the results that stop publication.
func Blocking(rs []Result) int {
	n := 0
	for _, r := range rs {
		if r.Blocking() {
			n++
		}
	}
	return n
}

// rowCheck is a check that counts failing rows of the model.
type rowCheck struct {
	check contract.Check
	fail  string // SQL condition true for a failing row ("" for unique)
	agg   string // the aggregate counting failing rows
	// from, when set, is the rows agg counts instead of the model's: those
	// of the keys a build touched, the NULL key's among them (see Since).
	from string
}

// Since is what a build changed in an incremental model, for the checks
// that need look no further: its change set (the keys the build touched),
// and the checks that found no failing row when the model was last built.
type Since struct {
	Changes sqlname.Relation // the change set's table (compile.ChangesTable)
	Clean   map[string]bool  // by label
}

// Model runs every check of a built model. With since, a check that found
// no failing row at the model's last build counts only the model's rows of
// the keys this build touched (the NULL key's too, when its change set
// holds it), when nothing else can fail it now: a unique check of
// the model's unique_key (a duplicate now must share its key with a row
// this build wrote, and those are all in the change set; over 2M rows,
// 0.07 s against 0.28 s), and not_null and max_null_pct (an untouched row
// is as it was; over 10M rows, 0.01 s against 0.10 s). Such a check must
// have no name: its label then says what it checked (planChecks).
func Model(ctx context.Context, q warehouse.Querier, m *project.Model, since *Since) ([]Result, error) {
	table := sqlname.Qualified(m.Schema, m.Name)
	query, rows, finish := planChecks(m, table, since)
	if query == "" {
		return finish(nil), nil
	}
	// One scan for every check of the model.
	vals := make([]int64, len(rows)+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := q.QueryRowContext(ctx, query).Scan(ptrs...); err != nil {
		// One bad check (an expression naming a missing column) should not
		// hide the others: run them one by one to say which.
		return one(ctx, q, m, table, rows), nil
	}
	results := finish(vals)
	for i, rc := range rows {
		if r := &results[i]; !r.Passed && rc.check.Kind != "row_count" {
			r.Samples = samples(ctx, q, m, table, rc)
		}
	}
	return results, nil
}

// Plan is the one query that counts, in DuckDB SQL, the failing rows of
// every check of a built model in table (its rows first, then each
// check's, as whole numbers), and what turns those counts into the
// checks' results: for a build in another engine, which runs the query
// translated. A model without checks has no query.
func Plan(m *project.Model, table sqlname.Relation) (query string, finish func(counts []int64) []Result) {
	query, _, finish = planChecks(m, table, nil)
	return query, finish
}

// planChecks is Plan, with the row checks the query counts (row_count among
// them, counted by the first column). With since, the checks counted over
// the touched rows alone (Model) are counted in a second aggregate, over
// those rows, joined to the first: one scan of the table, one of the
// touched rows.
func planChecks(m *project.Model, table sqlname.Relation, since *Since) (string, []rowCheck, func([]int64) []Result) {
	checks := m.Checks()
	if len(checks) == 0 {
		return "", nil, func([]int64) []Result { return nil }
	}
	var rows []rowCheck
	whole, touched := []string{"count(*) AS c0"}, []string(nil)
	cols := []string{"w.c0"}
	// narrow is the model's rows of the touched keys, found by a semi join,
	// and of the NULL key when the change set holds it (NULL matches no key):
	// a semi join on the change set's NULL key, which DuckDB does not probe
	// when there is none (a filter `key IS NULL` on the model took as long as
	// the whole table: in the build's transaction DuckDB scans 10M keys for
	// it, 0.09 to 0.12 s; as in compile/sql/merge.sql). The change set's own
	// NULL-key rows are not the model's: it holds the key's row before the
	// build and after.
	var narrow string
	if since != nil {
		key := sqlname.Ident(m.Header.UniqueKey)
		narrow = fmt.Sprintf("(SELECT * FROM %[1]s WHERE %[2]s IN (SELECT %[2]s FROM %[3]s)\n"+
			"UNION ALL BY NAME SELECT * FROM %[1]s AS elt_t SEMI JOIN (SELECT %[2]s FROM %[3]s WHERE %[2]s IS NULL LIMIT 1) AS elt_n ON elt_t.%[2]s IS NOT DISTINCT FROM elt_n.%[2]s) AS elt_touched",
			table, key, since.Changes)
	}
	for i, c := range checks {
		col := sqlname.Ident(c.Column)
		rc := rowCheck{check: c}
		// narrowable: nothing but a touched row can fail the check now if
		// none failed it at the last build (see Model).
		narrowable := false
		switch c.Kind {
		case "not_null", "max_null_pct":
			rc.fail, narrowable = col+" IS NULL", true
		case "accepted_values":
			vals := make([]string, len(c.Values))
			for i, v := range c.Values {
				vals[i] = sqlname.Literal(v)
			}
			rc.fail = fmt.Sprintf("%s IS NOT NULL AND CAST(%s AS VARCHAR) NOT IN (%s)", col, col, strings.Join(vals, ", "))
		case "range":
			var conds []string
			if c.Min != nil {
				conds = append(conds, fmt.Sprintf("%s < %s", col, num(*c.Min)))
			}
			if c.Max != nil {
				conds = append(conds, fmt.Sprintf("%s > %s", col, num(*c.Max)))
			}
			rc.fail = strings.Join(conds, " OR ")
		case "expression":
			rc.fail = "NOT coalesce((" + c.Expr + "\n), false)"
		case "unique":
			rc.agg = fmt.Sprintf("count(%s) - count(DISTINCT %s)", col, col)
			narrowable = strings.EqualFold(c.Column, m.Header.UniqueKey)
		case "relationships":
			parts := strings.Split(c.To, ".")
			rc.fail = fmt.Sprintf("%s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %s AS elt_to WHERE elt_to.%s = %s.%s)",
				col, sqlname.Qualified(parts[0], parts[1]), sqlname.Ident(parts[2]), table, col)
		case "row_count":
			rc.agg = "count(*)"
		}
		if rc.agg == "" {
			rc.agg = "count(*) FILTER (WHERE " + rc.fail + ")"
		}
		name := fmt.Sprintf("c%d", i+1)
		// A check's result is kept by its label: one made of its kind and
		// column (no name given; a name of that form is refused) says what
		// it checked, and not_null,
		// max_null_pct and unique have no option that changes which rows
		// fail. (accepted_values and range do: their options are not kept,
		// so they count the whole table, as do an expression, which may
		// read other rows, and relationships, whose table may have changed.)
		if since != nil && narrowable && c.Name == "" && since.Clean[c.Label()] {
			// A semi join rather than a FILTER testing every row of the
			// table against the change set (10M rows, 100,000 touched:
			// 0.40 s against 0.89 to 1.01 s for the model's checks).
			rc.from = narrow
			touched = append(touched, rc.agg+" AS "+name)
			cols = append(cols, "t."+name)
		} else {
			whole = append(whole, rc.agg+" AS "+name)
			cols = append(cols, "w."+name)
		}
		rows = append(rows, rc)
	}
	finish := func(vals []int64) []Result {
		var results []Result
		for i, rc := range rows {
			r := newResult(m.ID(), rc.check, vals[0])
			if rc.check.Kind == "row_count" {
				r.Passed, r.Detail = rowCount(rc.check, vals[0])
			} else {
				r.Failing = vals[i+1]
				r.Passed = r.Share() <= r.Allowed
			}
			results = append(results, r)
		}
		return results
	}
	// Each side is an aggregate without GROUP BY: one row, also over no rows.
	from := fmt.Sprintf("(SELECT %s\n      FROM %s) AS w", strings.Join(whole, ",\n              "), table)
	if len(touched) > 0 {
		from += fmt.Sprintf(",\n     (SELECT %s\n      FROM %s) AS t", strings.Join(touched, ",\n              "), narrow)
	}
	return "SELECT " + strings.Join(cols, ", ") + "\nFROM " + from, rows, finish
}

// one runs the checks of a model one at a time, so a broken one is named.
func one(ctx context.Context, q warehouse.Querier, m *project.Model, table sqlname.Relation, rows []rowCheck) []Result {
	var total int64
	q.QueryRowContext(ctx, "SELECT count(*) FROM "+table.String()).Scan(&total)
	var out []Result
	for _, rc := range rows {
		r := newResult(m.ID(), rc.check, total)
		if rc.check.Kind == "row_count" {
			r.Passed, r.Detail = rowCount(rc.check, total)
			out = append(out, r)
			continue
		}
		query := "SELECT " + rc.agg + " FROM " + table.String()
		if rc.from != "" {
			query = "SELECT " + rc.agg + " FROM " + rc.from
		}
		if err := q.QueryRowContext(ctx, query).Scan(&r.Failing); err != nil {
			r.Err = warehouse.AsQueryError(err).Msg
			out = append(out, r)
			continue
		}
		r.Passed = r.Share() <= r.Allowed
		if !r.Passed {
			r.Samples = samples(ctx, q, m, table, rc)
		}
		out = append(out, r)
	}
	return out
}

func newResult(target string, c contract.Check, total int64) Result {
	allowed := 1 - c.Mostly
	if c.Kind == "max_null_pct" {
		allowed = c.Pct / 100
	}
	return Result{Target: target, Label: c.Label(), Severity: c.Severity, Total: total, Allowed: allowed}
}

func rowCount(c contract.Check, n int64) (bool, string) {
	ok := (c.Min == nil || float64(n) >= *c.Min) && (c.Max == nil || float64(n) <= *c.Max)
	lo, hi := "-∞", "∞"
	if c.Min != nil {
		lo = num(*c.Min)
	}
	if c.Max != nil {
		hi = num(*c.Max)
	}
	return ok, fmt.Sprintf("%d rows, expected between %s and %s", n, lo, hi)
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// samples fetches up to five failing rows with the model's key.
func samples(ctx context.Context, q warehouse.Querier, m *project.Model, table sqlname.Relation, rc rowCheck) *output.Result {
	key := m.Header.UniqueKey
	if key == "" && len(m.Header.Columns) > 0 {
		key = m.Header.Columns[0].Name
	}
	var cols []string
	if key != "" {
		cols = append(cols, sqlname.Ident(key))
	}
	if rc.check.Column != "" && !strings.EqualFold(rc.check.Column, key) {
		cols = append(cols, sqlname.Ident(rc.check.Column))
	}
	var query string
	switch {
	case rc.check.Kind == "unique":
		col := sqlname.Ident(rc.check.Column)
		query = fmt.Sprintf("SELECT %s, count(*) AS rows FROM %s WHERE %s IS NOT NULL GROUP BY ALL HAVING count(*) > 1 ORDER BY rows DESC, %s LIMIT 5", col, table, col, col)
	case len(cols) == 0 || rc.check.Kind == "expression":
		query = fmt.Sprintf("SELECT * FROM %s WHERE %s LIMIT 5", table, rc.fail)
	default:
		query = fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY ALL LIMIT 5", strings.Join(cols, ", "), table, rc.fail)
	}
	return sampleRows(ctx, q, query)
}

func sampleRows(ctx context.Context, q warehouse.Querier, query string, args ...any) *output.Result {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil
	}
	res, err := output.Read(rows, warehouse.PlainRow)
	if err != nil {
		return nil
	}
	return res
}

// DataTests runs the project's data tests (sql/tests/*.sql, which the plan
// checked to be one query each): each must return no rows. Each runs as a
// subquery, and the statement that holds it is checked again by DuckDB's
// parser to be one query, so a test can only ever be read, never close the
// parenthesis around it and run something else.
func DataTests(ctx context.Context, q warehouse.Querier, tests []project.SQLFile) ([]Result, error) {
	var out []Result
	for _, t := range tests {
		body := strings.TrimRight(strings.TrimSpace(t.Text), ";")
		r := Result{Target: t.Path, Label: "returns no rows", Severity: contract.Error, Unit: "test"}
		count := "SELECT count(*) FROM (\n" + body + "\n)"
		if _, err := warehouse.SelectTree(ctx, q, count); err != nil {
			r.Err = "not one query: " + err.Error()
			out = append(out, r)
			continue
		}
		if err := q.QueryRowContext(ctx, count).Scan(&r.Failing); err != nil {
			r.Err = warehouse.AsQueryError(err).Msg
			out = append(out, r)
			continue
		}
		r.Total, r.Passed = r.Failing, r.Failing == 0
		if !r.Passed {
			r.Samples = sampleRows(ctx, q, "SELECT * FROM (\n"+body+"\n) LIMIT 5")
		}
		out = append(out, r)
	}
	return out, nil
}

// Quarantine is the source gate: the share of the records a build newly
// read from a source that went to the quarantine.
func Quarantine(ctx context.Context, q warehouse.Querier, source string, runID, read, quarantined int64, maxPct float64) Result {
	r := Result{Target: "source " + source, Label: fmt.Sprintf("max_quarantine_pct(%s)", num(maxPct)), Severity: contract.Error,
		Failing: quarantined, Total: read, Allowed: maxPct / 100, Unit: "record"}
	r.Passed = r.Share() <= r.Allowed
	if !r.Passed {
		if rows, err := state.QuarantineSample(ctx, q, source, runID, 5); err == nil {
			r.Samples, _ = output.Read(rows, warehouse.PlainRow)
		}
	}
	return r
}
