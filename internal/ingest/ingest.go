package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Source is a bronze folder and how to read it.
type Source struct {
	Name string
	// Dir is the absolute folder of the source's files.
	Dir string
	// Prefix is Dir relative to the bronze root, / separated; file paths in
	// the warehouse are Prefix/relative-path.
	Prefix   string
	Format   string // ndjson or csv
	Contract Contract
	Patterns []string
	// Columns maps a contract field to the name the files use.
	Columns map[string]string
	// MaxQuarantinePct is the source gate: the most a build may quarantine
	// of the records it newly reads, in percent.
	MaxQuarantinePct float64
}

// Table is the bronze table the source loads into.
func (s Source) Table() string { return warehouse.Qualified("bronze", s.Name) }

// Result counts what one source's ingestion did in this build.
type Result struct {
	Source      string
	Files       int   // files read in this build
	Records     int64 // records read in this build
	Quarantined int64 // of which quarantined
	// Missing are files of the manifest no longer in bronze (their records
	// stay where they are).
	Missing []string
	// Changed are files re-read by a full refresh whose content differs
	// from when they were first ingested.
	Changed []string
}

// Options tune an ingestion.
type Options struct {
	RunID int64
	// BatchBytes bounds how much file content is processed at once.
	BatchBytes int64
	// Previous is the manifest before a full refresh emptied it: files whose
	// content differs from it are reported as Changed.
	Previous state.Manifest
	// Trace, when set, gets the time each ingestion step took.
	Trace io.Writer
}

// ChangedError reports a bronze file whose content changed after an earlier
// build ingested it.
type ChangedError struct{ File, Was, Now string }

func (e *ChangedError) Error() string {
	return fmt.Sprintf("bronze file %s changed after it was ingested (sha256 %s…, now %s…): bronze files are append-only; "+
		"put corrections in a new file, or run `elt build --full-refresh` to re-read everything", e.File, e.Was[:12], e.Now[:12])
}

// Prepare creates the connection's macros and the source's bronze table.
func Prepare(ctx context.Context, tx warehouse.Querier, src Source) error {
	macros, err := sqlFS.ReadFile("sql/macros.sql")
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(macros)); err != nil {
		return fmt.Errorf("create ingestion macros: %w", err)
	}
	ddl, err := render("tables.sql", map[string]any{"Table": src.Table(), "Contract": src.Contract.Name})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("create %s: %w", src.Table(), err)
	}
	return nil
}

// Ingest loads the source's new files: each file not in the manifest is read
// once, its records checked and loaded, and the file recorded.
func Ingest(ctx context.Context, tx warehouse.Querier, src Source, files []File, o Options) (Result, error) {
	res := Result{Source: src.Name}
	if err := Prepare(ctx, tx, src); err != nil {
		return res, err
	}
	seen, err := state.ReadManifest(ctx, tx, src.Name)
	if err != nil {
		return res, err
	}
	have := Paths(files)
	if o.Previous != nil {
		res.Missing = o.Previous.Missing(have)
	} else {
		res.Missing = seen.Missing(have)
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 256 << 20
	}
	var batch []loaded
	var size int64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, q, err := loadBatch(ctx, tx, src, batch, o)
		res.Records += n
		res.Quarantined += q
		batch, size = batch[:0], 0
		return err
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		k, ok := seen[f.Rel]
		if ok && k.Same(f.Look) {
			continue
		}
		data, err := os.ReadFile(f.Abs)
		if err != nil {
			return res, fmt.Errorf("cannot read bronze file %s: %w", f.Abs, unwrapPath(err))
		}
		sum := sha256.Sum256(data)
		sha := hex.EncodeToString(sum[:])
		if ok {
			if k.SHA256 != sha {
				return res, &ChangedError{File: f.Rel, Was: k.SHA256, Now: sha}
			}
			// Touched or copied, not changed: remember how it looks now.
			if err := state.Relook(ctx, tx, src.Name, f.Rel, f.Look); err != nil {
				return res, err
			}
			continue
		}
		if p, ok := o.Previous[f.Rel]; ok && p.SHA256 != sha {
			res.Changed = append(res.Changed, f.Rel)
		}
		res.Files++
		content, bad := sanitize(data)
		batch = append(batch, loaded{File: f, sha: sha, content: content, bad: bad})
		size += int64(len(content))
		if size >= o.BatchBytes {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	return res, flush()
}

type loaded struct {
	File
	sha     string
	content string
	bad     []int
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// sanitize strips a byte-order mark and, when the file is not valid UTF-8
// (or holds NUL bytes), replaces the bad bytes of each offending line and
// returns those line numbers, so DuckDB sees text and the lines are
// quarantined as invalid_encoding.
func sanitize(data []byte) (string, []int) {
	data = bytes.TrimPrefix(data, bom)
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
		return string(data), nil
	}
	lines := bytes.Split(data, []byte{'\n'})
	var bad []int
	for i, l := range lines {
		if !utf8.Valid(l) || bytes.IndexByte(l, 0) >= 0 {
			bad = append(bad, i+1)
			fixed := strings.ToValidUTF8(string(l), "\uFFFD")
			lines[i] = []byte(strings.ReplaceAll(fixed, "\x00", "\uFFFD"))
		}
	}
	return string(bytes.Join(lines, []byte{'\n'})), bad
}

func loadBatch(ctx context.Context, tx warehouse.Querier, src Source, batch []loaded, o Options) (records, quarantined int64, err error) {
	runID := o.RunID
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE elt_raw (file VARCHAR, content VARCHAR, bad_lines BIGINT[], size BIGINT, modified_at TIMESTAMP, changed_at TIMESTAMP, inode BIGINT, sha256 VARCHAR)`); err != nil {
		return 0, 0, err
	}
	for _, f := range batch {
		bad := make([]string, len(f.bad))
		for i, n := range f.bad {
			bad[i] = strconv.Itoa(n)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO elt_raw VALUES (?, ?, list_transform(string_split(nullif(?, ''), ','), x -> x::BIGINT), ?, ?, ?, ?, ?)`,
			f.Rel, f.content, strings.Join(bad, ","), f.Size, f.ModTime, f.ChangeTime, int64(f.Inode), f.sha); err != nil {
			return 0, 0, fmt.Errorf("load %s: %w", f.Rel, err)
		}
	}
	names := fieldNames(src.Contract, src.Columns)
	steps := []string{"lines.sql"}
	data := map[string]any{"Table": src.Table(), "RunID": runID}
	if src.Format == "csv" {
		steps = append(steps, "csv.sql")
		lower := make([]string, len(names))
		for i, n := range names {
			lower[i] = strings.ToLower(n)
		}
		data["Names"] = sqlList(lower)
	} else {
		steps = append(steps, "ndjson.sql")
		paths := make([]string, len(names))
		for i, n := range names {
			paths[i] = jsonPath(n)
		}
		data["Paths"] = sqlList(paths)
	}
	steps = append(steps, src.Contract.Name+".sql")
	for _, s := range steps {
		q, err := render(s, data)
		if err != nil {
			return 0, 0, err
		}
		t0 := time.Now()
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, 0, fmt.Errorf("ingest %s (%s): %w", src.Name, s, err)
		}
		if o.Trace != nil {
			fmt.Fprintf(o.Trace, "trace: %6.2fs  ingest %s: %s\n", time.Since(t0).Seconds(), src.Name, s)
		}
	}
	if err := state.Quarantine(ctx, tx, src.Name, runID, "elt_checked"); err != nil {
		return 0, 0, err
	}
	if err := state.RecordFiles(ctx, tx, src.Name, runID, "elt_raw", "elt_checked"); err != nil {
		return 0, 0, err
	}
	err = tx.QueryRowContext(ctx, `SELECT count(*), count(reason) FROM elt_checked`).Scan(&records, &quarantined)
	return records, quarantined, err
}
