package execute

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// CheckSourceChecks binds each source field's check against the source's
// bronze table, created empty in an in-memory DuckDB (Describe), before
// anything runs.
// A check must be true or false for a record: one DuckDB cannot bind (a
// comparison of a number with text, an unknown function) or whose value is
// not a BOOLEAN ('abc', 1) is an error at its elt.yaml:line:col, rather than
// inside the ingestion's generated SQL or on every record.
func CheckSourceChecks(ctx context.Context, p *project.Project, g *plan.Graph) error {
	sources := ingest.Declared(p.Config, p.Resolve(p.Config.Paths.Bronze))
	if !hasChecks(sources) {
		return nil
	}
	d, err := Describe(ctx, p, g, nil, nil) // the bronze tables and the macros a check may call
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Macros != nil {
		return nil // the build reports it, at its file and line
	}
	db := d.DB
	var errs project.Errors
	for _, src := range sources {
		for i, f := range src.Fields {
			if strings.TrimSpace(f.Check) == "" {
				continue
			}
			at := []string{"fields", strconv.Itoa(i), "check"}
			var name, typ string
			var rest [4]any
			err := db.QueryRowContext(ctx, "DESCRIBE SELECT ("+f.Check+"\n) AS c FROM "+src.Table()).Scan(&name, &typ, &rest[0], &rest[1], &rest[2], &rest[3])
			switch {
			case err != nil:
				qe := warehouse.AsQueryError(err)
				errs = append(errs, p.Config.SourceError(src.Name, at, "the check of field %s does not bind: %s: %s", f.Name, qe.Kind, strings.SplitN(qe.Msg, "\n", 2)[0]))
			case typ != "BOOLEAN" && strings.Trim(typ, `"`) != "NULL":
				errs = append(errs, p.Config.SourceError(src.Name, at, "the check of field %s gives a %s, not true or false: write a condition, such as %s > 0", f.Name, typ, f.Name))
			default:
				// Run on one record of NULLs of the fields' types (the
				// empty table, outer-joined): what fails on every record
				// (amount > 'x' cannot cast 'x') fails here.
				var any sql.NullBool
				if err := db.QueryRowContext(ctx, "SELECT bool_and(c) FROM (SELECT ("+f.Check+"\n) AS c FROM (SELECT t.* FROM (SELECT 1) AS one LEFT JOIN "+src.Table()+" AS t ON false))").Scan(&any); err != nil {
					qe := warehouse.AsQueryError(err)
					errs = append(errs, p.Config.SourceError(src.Name, at, "the check of field %s cannot run: %s: %s", f.Name, qe.Kind, strings.SplitN(qe.Msg, "\n", 2)[0]))
				}
			}
		}
	}
	return errs.Err()
}

// hasChecks tells whether any field of the sources has a check.
func hasChecks(sources []ingest.Source) bool {
	for _, src := range sources {
		for _, f := range src.Fields {
			if strings.TrimSpace(f.Check) != "" {
				return true
			}
		}
	}
	return false
}
