// Package inputs owns what a build reads before its models run: each
// source's part of a build (its new files or messages loaded, what it did
// not read or found changed said as notes, a full refresh refused when it
// would lose ingested records, the manifest checked against bronze for lost
// state) and the seeds, read and checked before anything runs.
package inputs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/ingest/topic"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// LostStateError stops a build whose sources' bronze tables hold records
// the file manifest does not know: elt's own tables were emptied or
// recreated (elt migrate down, the elt schema dropped) while bronze, silver
// and gold kept their data. Reading the files again as new would load their
// records twice; a full refresh re-reads them in place of what is there.
type LostStateError struct {
	Sources []LostSource
}

// LostSource is one source whose bronze table the manifest does not know.
type LostSource struct {
	Source      string
	Rows, Files int64
}

func (e *LostStateError) Error() string {
	var b strings.Builder
	b.WriteString("elt's own tables (elt.*) were emptied or recreated, by elt migrate down or by dropping them, while the warehouse kept its data:\n")
	for _, s := range e.Sources {
		fmt.Fprintf(&b, "  bronze.%s holds %d record%s of %d file%s that the file manifest (elt.files) does not know\n",
			s.Source, s.Rows, diag.Plural(int(s.Rows)), s.Files, diag.Plural(int(s.Files)))
	}
	b.WriteString("nothing was lost and nothing was published; reading those files again as new would load their records twice.\n" +
		"  run `elt build --full-refresh`: it re-reads every bronze file and rebuilds the models from them (it refuses if files are gone from bronze)")
	return b.String()
}

// CheckManifests refuses a build (not a full refresh) when a source's
// bronze table holds records while the manifest knows none of its files.
func CheckManifests(ctx context.Context, tx warehouse.Querier, sources []ingest.Source, load func(ingest.Source) bool) error {
	var lost []LostSource
	for _, src := range sources {
		if !load(src) {
			continue
		}
		known, err := state.KnowsFiles(ctx, tx, src.Name)
		if err != nil {
			return err
		}
		if known {
			continue
		}
		files, rows, err := BronzeFiles(ctx, tx, src)
		if err != nil {
			return err
		}
		if rows > 0 {
			lost = append(lost, LostSource{Source: src.Name, Rows: rows, Files: int64(len(files))})
		}
	}
	if len(lost) > 0 {
		return &LostStateError{Sources: lost}
	}
	return nil
}

// BronzeFiles lists, sorted, the files a source's bronze table holds
// records of, and how many records it holds; none when it has no table.
func BronzeFiles(ctx context.Context, tx warehouse.Querier, src ingest.Source) ([]string, int64, error) {
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'bronze' AND lower(table_name) = lower(?)`, src.Name).Scan(&n); err != nil || n == 0 {
		return nil, 0, err
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT _file, count(*) FROM %s GROUP BY _file", src.Table()))
	if err != nil {
		return nil, 0, fmt.Errorf("read the files of %s: %w", src.Table(), err)
	}
	defer rows.Close()
	var files []string
	var total int64
	for rows.Next() {
		var f string
		var c int64
		if err := rows.Scan(&f, &c); err != nil {
			return nil, 0, err
		}
		files = append(files, f)
		total += c
	}
	sort.Strings(files)
	return files, total, rows.Err()
}

// goneFromTable lists the files a source's bronze table holds records of
// that are not in bronze now: what a full refresh would lose when the
// manifest, which otherwise says so, is empty.
func goneFromTable(ctx context.Context, tx warehouse.Querier, src ingest.Source, have map[string]bool) ([]string, error) {
	files, _, err := BronzeFiles(ctx, tx, src)
	var gone []string
	for _, f := range files {
		if !have[f] {
			gone = append(gone, f)
		}
	}
	return gone, err
}

// MissingFilesError refuses a full refresh that would drop the records of
// ingested files that are gone from bronze.
type MissingFilesError struct {
	Source string
	Files  []string
	// Kafka: Files are partitions' offsets the source's topic no longer
	// keeps.
	Kafka bool
}

func (e *MissingFilesError) Error() string {
	if e.Kafka {
		return fmt.Sprintf("--full-refresh would lose messages of %s that its topic no longer keeps:\n%s\n"+
			"  build without --full-refresh, or accept the loss with elt build --full-refresh --accept-missing (the run history records it)",
			e.Source, listFiles(e.Files, 10))
	}
	return fmt.Sprintf("--full-refresh would lose the records of %d ingested file%s of %s that %s gone from bronze:\n%s\n"+
		"  restore the files and build again, or accept the loss with elt build --full-refresh --accept-missing (the run history records it)",
		len(e.Files), diag.Plural(len(e.Files)), e.Source, map[bool]string{true: "is", false: "are"}[len(e.Files) == 1], listFiles(e.Files, 10))
}

// notes say what a source's ingestion did not read or found changed.
func notes(src ingest.Source, listings ingest.Listings, res ingest.Result, full bool) []event.Event {
	l := listings[src.Name]
	var out []event.Event
	if src.Kafka != nil {
		return nil // no files: what a reset skipped is said apart
	}
	if n := len(l.Unmatched); n > 0 {
		what := "match none of its patterns"
		if len(l.Files) == 0 {
			what = "match none of its patterns, so it read nothing"
		}
		out = append(out, event.Note{Kind: "unmatched", Source: src.Name, Text: fmt.Sprintf("%s: %d file%s under %s %s (%s; format %s), e.g. %s: check format and patterns in elt.yaml",
			src.Name, n, diag.Plural(n), src.Dir, what, strings.Join(src.Patterns, ", "), src.Format, l.Unmatched[0])})
	} else if len(l.Files) == 0 {
		out = append(out, event.Note{Kind: "no_files", Source: src.Name, Text: fmt.Sprintf("%s: no files under %s yet", src.Name, src.Dir)})
	}
	if len(res.Missing) > 0 {
		out = append(out, missingFiles(src.Name, res.Missing, full))
	}
	if n := len(res.Changed); n > 0 {
		out = append(out, event.Note{Kind: "changed", Source: src.Name, Files: res.Changed, Text: fmt.Sprintf("%s: %d file%s re-read with content that changed since %s first ingested",
			src.Name, n, diag.Plural(n), map[bool]string{true: "it was", false: "they were"}[n == 1])})
	}
	return out
}

// missingFiles says that ingested files of a source are gone from bronze,
// and what became of their records; elt build and elt watch both say it.
func missingFiles(source string, files []string, full bool) event.Warning {
	n := len(files)
	verb := "stay in silver and gold"
	if full {
		verb = "were dropped (--accept-missing)"
	}
	return event.Warning{Kind: "missing", Source: source, Files: files, Text: fmt.Sprintf("%s: %d ingested file%s gone from bronze; %s records %s", source, n, diag.Plural(n),
		map[bool]string{true: "its", false: "their"}[n == 1], verb)}
}

// MissingWarning is missingFiles as watch writes it on one of its lines.
func MissingWarning(source string, files []string, full bool) string {
	w := missingFiles(source, files, full)
	return "warning: " + w.Text + ":\n" + listFiles(w.Files, 10)
}

// listFiles shows up to max paths, one a line, and how many more.
func listFiles(files []string, max int) string {
	var b strings.Builder
	for i, f := range files {
		if i == max {
			fmt.Fprintf(&b, "    … and %d more\n", len(files)-max)
			break
		}
		fmt.Fprintf(&b, "    %s\n", f)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Reset forgets what was ingested from a source, for --full-refresh.
func Reset(ctx context.Context, tx warehouse.Querier, src ingest.Source) error {
	// Dropped, not emptied: a full refresh also takes a field's new type.
	if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+src.Table().String()); err != nil {
		return fmt.Errorf("full refresh of %s: %w", src.Name, err)
	}
	if err := ingest.Prepare(ctx, tx, src); err != nil {
		return err
	}
	return state.Forget(ctx, tx, src.Name)
}

// Refreshable checks that a full refresh of a source loses no ingested
// file (unless acceptMissing), and returns the manifest it
// replaces, to report the files whose content changed.
func Refreshable(ctx context.Context, q warehouse.Querier, src ingest.Source, listings ingest.Listings, acceptMissing bool) (state.Manifest, error) {
	previous, err := state.ReadManifest(ctx, q, src.Name)
	if err != nil {
		return nil, err
	}
	gone := previous.Missing(listings[src.Name].Paths())
	if len(previous) == 0 {
		// No manifest (elt's own tables recreated): the bronze table says
		// which files it holds.
		published := src
		published.Staged = false
		if gone, err = goneFromTable(ctx, q, published, listings[src.Name].Paths()); err != nil {
			return nil, err
		}
	}
	if len(gone) > 0 && !acceptMissing {
		return nil, &MissingFilesError{Source: src.Name, Files: gone}
	}
	return previous, nil
}

// Build is what a source's part of a build needs of the build.
type Build struct {
	RunID   int64
	Project *project.Project
	Trace   io.Writer
	// Conn is the connection of the transaction the source is loaded in
	// (ingest.Options.Conn).
	Conn *sql.Conn
	// FullRefresh, ResetOffsets and Streams are the build's options
	// (build.Options).
	FullRefresh  bool
	ResetOffsets string
	Streams      Streams
	// Live is told the source's ingestion started, with how to read its
	// percentage done (as build.Builder.Live is; set).
	Live func(step string, percent func() float64) (rows func(int64), done func())
	// Events is told what the source's ingestion did (nil drops it).
	Events event.Reporter
}

// Streams are open readers of Kafka sources' topics (topic.Readers).
type Streams = topic.Readers

// Load loads a source's new files (or its topic's new messages) in the
// transaction tx, reporting its progress and what it did; previous is the
// manifest a full refresh replaces.
func Load(ctx context.Context, tx warehouse.Querier, src ingest.Source, listings ingest.Listings, previous state.Manifest, bd Build) (ingest.Result, error) {
	resetTo, err := topic.ParseReset(bd.ResetOffsets)
	if err != nil {
		return ingest.Result{}, err
	}
	listing := listings[src.Name]
	opts := ingest.Options{RunID: bd.RunID, Trace: bd.Trace, Held: listing.Held, Previous: previous, Spool: bd.Project.Resolve(bd.Project.Config.DuckDB.TempDirectory), Conn: bd.Conn}
	if limit, ok := project.MemorySize(bd.Project.Config.DuckDB.MemoryLimit); ok {
		opts.Downloads = ingest.Downloads(limit)
	}
	t0 := time.Now()
	var last atomic.Pointer[ingest.Progress]
	rows, done := bd.Live("ingest  "+src.Name, func() float64 {
		if p := last.Load(); p != nil {
			return p.Percent()
		}
		return -1
	})
	opts.Progress = func(p ingest.Progress) {
		rows(p.Records)
		last.Store(&p)
	}
	var res ingest.Result
	var tr topic.Result
	if src.Kafka != nil {
		tr, err = topic.Ingest(ctx, tx, src, topic.Options{Options: opts, Reset: resetTo, Reader: bd.Streams[src.Name], FullRefresh: bd.FullRefresh})
		res = tr.Result
	} else {
		res, err = ingest.Ingest(ctx, tx, src, listing.Files, opts)
	}
	done()
	if err != nil {
		return res, err
	}
	ev := event.SourceIngested{Source: src.Name, Files: res.Files, Records: res.Records, Quarantined: res.Quarantined,
		Held: len(listing.Held), Seconds: time.Since(t0).Seconds()}
	if src.Kafka != nil {
		ev.Topic, ev.Partitions = src.Kafka.Topic, tr.Partitions
	}
	report := event.Or(bd.Events).Report
	report(ev)
	for _, e := range notes(src, listings, res, bd.FullRefresh) {
		report(e)
	}
	for _, r := range tr.Resets {
		report(event.Warning{Kind: "offsets_reset", Source: src.Name, Text: src.Name + ": " + r})
	}
	return res, nil
}

// CheckReset checks the --reset-offsets option.
func CheckReset(s string) error {
	_, err := topic.ParseReset(s)
	return err
}

// RefreshTopic forgets what was read from a Kafka source for a full
// refresh, refused when its topic no longer keeps some messages read
// (unless acceptMissing).
func RefreshTopic(ctx context.Context, tx warehouse.Querier, src ingest.Source, streams Streams, acceptMissing bool) error {
	lost, err := topic.Lost(ctx, tx, src, topic.Options{Reader: streams[src.Name]})
	if err != nil {
		return err
	}
	if len(lost) > 0 && !acceptMissing {
		return &MissingFilesError{Source: src.Name, Files: lost, Kafka: true}
	}
	return Reset(ctx, tx, src)
}

// Fresh tells whether nothing of a source was ever ingested: no manifest
// row and no bronze row.
func Fresh(ctx context.Context, q warehouse.Querier, src ingest.Source) (bool, error) {
	known, err := state.KnowsFiles(ctx, q, src.Name)
	if err != nil || known {
		return false, err
	}
	_, rows, err := BronzeFiles(ctx, q, src)
	return rows == 0, err
}

// CheckSeeds reads every selected seed before anything runs, as CSV sources
// are read (ReadSeed: a malformed line, an empty or header-only
// file is an error at the seed's path and line), makes sure DuckDB's
// read_csv, which builds the table, reads the same values, and that every
// value of a column with a declared type (elt.yaml's column_types) is one
// of that type exactly, not rounded or cut to fit. A seed whose file and
// SQL are those its table was last built from (its fingerprint, as
// seedState has it) was checked then and is not read again, unless full.
func CheckSeeds(ctx context.Context, db warehouse.Querier, p *project.Project, g *plan.Graph, ids []string, full bool) error {
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
				if before, err = state.ModelStates(ctx, db); err != nil {
					return err
				}
			}
			sum, err := HashSeed(ctx, p.Resolve(m.Seed))
			if err == nil && before[strings.ToLower(m.ID())].Fingerprint == compile.Fingerprint(m)+":"+sum {
				continue
			}
		}
		seed, err := ReadSeed(ctx, p.Resolve(m.Seed), m.Seed)
		if err != nil {
			errs.Add(err)
			continue
		}
		if err := sameRead(ctx, db, m.Seed, seed); err != nil {
			errs.Add(err)
			continue
		}
		errs.Add(checkSeedTypes(ctx, db, p, m, seed))
	}
	return errs.Err()
}

// sameRead compares DuckDB's read of a seed (every column as text) with the
// sources' reader's.
func sameRead(ctx context.Context, db warehouse.Querier, rel string, seed *Seed) error {
	fail := func(line int, format string, args ...any) *diag.FileError {
		return &diag.FileError{Path: rel, Line: line, Msg: fmt.Sprintf(format, args...),
			Hint: "DuckDB's read_csv builds the seed's table and must read what the CSV reader of sources reads: " +
				"use one kind of line break throughout (LF or CRLF), no line of spaces only, and no space before a quoted value"}
	}
	rows, err := db.QueryContext(ctx, project.SeedTextSQL(rel))
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
func checkSeedTypes(ctx context.Context, db warehouse.Querier, p *project.Project, m *project.Model, seed *Seed) error {
	decl := p.Config.Seeds[m.Schema+"."+m.Name]
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
		if err := db.QueryRowContext(ctx, "SELECT typeof(TRY_CAST(NULL AS "+typ+"))").Scan(&canon); err != nil {
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
		switch err := db.QueryRowContext(ctx, q).Scan(&i, &got); {
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
