package build

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
)

// seedUnchanged is how the run history shows a seed whose file had not
// changed since the table was built from it.
const seedUnchanged = "unchanged"

// seedState is a seed's fingerprint (its SQL and its file's content) and
// whether its table is up to date with it: then the build leaves the table
// as it is, and to the incremental models downstream the seed counts as
// brought up to date with no change (its change set is empty), so they
// need not be rebuilt whole. A changed file, a missing table or
// --full-refresh reads the file again.
func (b *Builder) seedState(ctx context.Context, m *project.Model, inc *incremental, exists bool) (fingerprint string, unchanged bool, err error) {
	sum, err := ingest.HashSeed(ctx, b.Project.Resolve(m.Seed))
	if err != nil {
		return "", false, &diag.FileError{Path: m.Seed, Msg: err.Error()}
	}
	fingerprint = compile.Fingerprint(m) + ":" + sum
	st := inc.before[strings.ToLower(m.ID())]
	return fingerprint, exists && !inc.full && st.LastRun != 0 && st.Fingerprint == fingerprint, nil
}

// checkSeeds reads every selected seed before anything runs, as CSV sources
// are read (ingest.ReadSeed: a malformed line, an empty or header-only
// file is an error at the seed's path and line), makes sure DuckDB's
// read_csv, which builds the table, reads the same values, and that every
// value of a column with a declared type (elt.yaml's column_types) is one
// of that type exactly, not rounded or cut to fit. A seed whose file and
// SQL are those its table was last built from (its fingerprint, as
// seedState has it) was checked then and is not read again, unless full.
func (b *Builder) checkSeeds(ctx context.Context, g *plan.Graph, ids []string, full bool) error {
	var errs diag.Errors
	var before map[string]state.ModelState
	for _, id := range ids {
		n := g.Nodes[id]
		if n == nil || n.Model.Seed == "" {
			continue
		}
		m := n.Model
		if !full {
			if before == nil {
				var err error
				if before, err = state.ModelStates(ctx, b.DB); err != nil {
					return err
				}
			}
			sum, err := ingest.HashSeed(ctx, b.Project.Resolve(m.Seed))
			if err == nil && before[strings.ToLower(m.ID())].Fingerprint == compile.Fingerprint(m)+":"+sum {
				continue
			}
		}
		seed, err := ingest.ReadSeed(ctx, b.Project.Resolve(m.Seed), m.Seed)
		if err != nil {
			errs.Add(err)
			continue
		}
		if err := b.sameRead(ctx, m.Seed, seed); err != nil {
			errs.Add(err)
			continue
		}
		errs.Add(b.checkSeedTypes(ctx, m, seed))
	}
	return errs.Err()
}

// sameRead compares DuckDB's read of a seed (every column as text) with the
// sources' reader's.
func (b *Builder) sameRead(ctx context.Context, rel string, seed *ingest.Seed) error {
	fail := func(line int, format string, args ...any) *diag.FileError {
		return &diag.FileError{Path: rel, Line: line, Msg: fmt.Sprintf(format, args...),
			Hint: "DuckDB's read_csv builds the seed's table and must read what the CSV reader of sources reads: " +
				"use one kind of line break throughout (LF or CRLF), no line of spaces only, and no space before a quoted value"}
	}
	rows, err := b.DB.QueryContext(ctx, project.SeedTextSQL(rel))
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return fail(0, "DuckDB's read_csv cannot read the seed: %s", msg)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if len(cols) != len(seed.Header) {
		return fail(0, "DuckDB's read_csv finds %d columns (%s), the CSV reader %d (%s)", len(cols), strings.Join(cols, ", "), len(seed.Header), strings.Join(seed.Header, ", "))
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	k := 0
	for ; rows.Next(); k++ {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if k >= len(seed.Records) {
			return fail(0, "DuckDB's read_csv reads more records (at least %d) than the CSV reader (%d)", k+1, len(seed.Records))
		}
		r := seed.Records[k]
		for i, v := range vals {
			if v.String != r.Fields[i] {
				err := fail(r.Line, "DuckDB's read_csv reads column %s of the record starting here as %q, the CSV reader as %q", seed.Header[i], v.String, r.Fields[i])
				err.Source = r.Text
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return fail(0, "DuckDB's read_csv cannot read the seed: %s", msg)
	}
	if k < len(seed.Records) {
		return fail(seed.Records[k].Line, "DuckDB's read_csv reads %d records, the CSV reader %d: this is the first it misses", k, len(seed.Records))
	}
	return nil
}

// simpleType is a type name checkSeedTypes can write into SQL as it is:
// a name with an optional (precision, scale).
var simpleType = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?\s*$`)

// checkSeedTypes checks the values of a seed's columns with a declared
// type: each must be a value of that type (DuckDB casts it), and for a
// number or a time, exactly (0.92 is no INTEGER; 2026-01-02 10:00 no DATE).
func (b *Builder) checkSeedTypes(ctx context.Context, m *project.Model, seed *ingest.Seed) error {
	decl := b.Project.Config.Seeds[m.Schema+"."+m.Name]
	var errs diag.Errors
	for _, col := range slices.Sorted(maps.Keys(decl.ColumnTypes)) {
		typ := decl.ColumnTypes[col]
		at := slices.IndexFunc(seed.Header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), col) })
		if at < 0 {
			errs.Add(&diag.FileError{Path: project.ConfigFile, Msg: fmt.Sprintf("seeds: %s.%s: column_types names %s, which %s has no column of (its columns: %s)",
				m.Schema, m.Name, col, m.Seed, strings.Join(seed.Header, ", "))})
			continue
		}
		if !simpleType.MatchString(typ) {
			continue // a nested type: DuckDB checks it as it builds
		}
		var canon string
		if err := b.DB.QueryRowContext(ctx, "SELECT typeof(TRY_CAST(NULL AS "+typ+"))").Scan(&canon); err != nil {
			msg, _, _ := strings.Cut(err.Error(), "\n")
			errs.Add(&diag.FileError{Path: project.ConfigFile, Msg: fmt.Sprintf("seeds: %s.%s: column_types: %s: %q is not a DuckDB type (%s)", m.Schema, m.Name, col, typ, msg)})
			continue
		}
		cast := "TRY_CAST(v AS " + typ + ")"
		inexact := "false"
		switch {
		case exactNumber.MatchString(canon):
			inexact = "TRY_CAST(v AS DOUBLE) IS DISTINCT FROM TRY_CAST(" + cast + " AS DOUBLE)"
		case canon == "DATE" || canon == "TIMESTAMP" || canon == "TIMESTAMP_S" || canon == "TIMESTAMP_MS":
			inexact = "TRY_CAST(v AS TIMESTAMP) IS NOT NULL AND TRY_CAST(v AS TIMESTAMP) IS DISTINCT FROM TRY_CAST(" + cast + " AS TIMESTAMP)"
		}
		var values []string
		for i, r := range seed.Records {
			if v := r.Fields[at]; v != "" { // an empty value is NULL
				values = append(values, fmt.Sprintf("(%d, %s)", i, sqlname.Literal(v)))
			}
		}
		if len(values) == 0 {
			continue
		}
		q := "SELECT i, " + cast + "::VARCHAR FROM (VALUES " + strings.Join(values, ", ") + ") t(i, v) WHERE " + cast + " IS NULL OR " + inexact + " ORDER BY i LIMIT 1"
		var i int
		var got sql.NullString
		switch err := b.DB.QueryRowContext(ctx, q).Scan(&i, &got); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			r := seed.Records[i]
			msg := fmt.Sprintf("%s is %q, not a value of its type %s (elt.yaml's column_types)", seed.Header[at], r.Fields[at], typ)
			if got.Valid {
				msg = fmt.Sprintf("%s is %q, which its type %s (elt.yaml's column_types) does not hold exactly: it would be %s", seed.Header[at], r.Fields[at], typ, got.String)
			}
			errs.Add(&diag.FileError{Path: m.Seed, Line: r.Line, Msg: msg, Source: r.Text, Hint: "declare a type that holds every value of the column (DECIMAL(18, 6), VARCHAR ...), or correct the value"})
		}
	}
	return errs.Err()
}

// exactNumber matches DuckDB's integer and decimal type names: a value cast
// to one must keep its number.
var exactNumber = regexp.MustCompile(`^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|DECIMAL\(\d+,\d+\))$`)
