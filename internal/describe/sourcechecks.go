package describe

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// sourceChecks binds each source field's check against the source's bronze
// table in db, the in-memory DuckDB Describe made (the macros, the bronze
// tables created empty). A check must be true or false for a record: one
// DuckDB cannot bind (a comparison of a number with text, an unknown
// function) or whose value is not a BOOLEAN ('abc', 1) is an error at its
// elt.yaml:line:col, rather than inside the ingestion's generated SQL or on
// every record.
func sourceChecks(ctx context.Context, db *warehouse.DB, p *project.Project, sources []ingest.Source) diag.Errors {
	var errs diag.Errors
	for _, src := range sources {
		for i, f := range src.Fields {
			if strings.TrimSpace(f.Check) == "" {
				continue
			}
			at := []string{"fields", strconv.Itoa(i), "check"}
			var name, typ string
			var rest [4]any
			err := db.QueryRowContext(ctx, "DESCRIBE SELECT ("+f.Check+"\n) AS c FROM "+src.Table().String()).Scan(&name, &typ, &rest[0], &rest[1], &rest[2], &rest[3])
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
				var all sql.NullBool
				if err := db.QueryRowContext(ctx, "SELECT bool_and(c) FROM (SELECT ("+f.Check+"\n) AS c FROM (SELECT t.* FROM (SELECT 1) AS one LEFT JOIN "+src.Table().String()+" AS t ON false))").Scan(&all); err != nil {
					qe := warehouse.AsQueryError(err)
					errs = append(errs, p.Config.SourceError(src.Name, at, "the check of field %s cannot run: %s: %s", f.Name, qe.Kind, strings.SplitN(qe.Msg, "\n", 2)[0]))
				}
			}
		}
	}
	return errs
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
