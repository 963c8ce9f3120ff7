package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// File is one bronze file found on disk.
type File struct {
	Rel     string // relative to the bronze root, / separated
	Abs     string
	Size    int64
	ModTime time.Time
}

// Discover lists the source's files matching its patterns, in arrival order
// (byte order of their paths relative to the source folder).
func Discover(src Source) ([]File, error) {
	var files []File
	err := filepath.WalkDir(src.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == src.Dir && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return fmt.Errorf("cannot read %s: %w", p, unwrapPath(err))
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(src.Dir, p)
		rel = filepath.ToSlash(rel)
		if !matchAny(src.Patterns, rel) {
			return nil
		}
		info, err := d.Info()
		if err == nil && info.Mode()&fs.ModeSymlink != 0 {
			info, err = os.Stat(p) // follow links; a dangling one is an error
		}
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", p, unwrapPath(err))
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		files = append(files, File{Rel: path.Join(src.Prefix, rel), Abs: p, Size: info.Size(), ModTime: info.ModTime().UTC().Truncate(time.Microsecond)})
		return nil
	})
	sort.Slice(files, func(i, j int) bool { return files[i].Rel < files[j].Rel })
	return files, err
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func matchAny(patterns []string, rel string) bool {
	for _, p := range patterns {
		if matchGlob(strings.Split(p, "/"), strings.Split(rel, "/")) {
			return true
		}
	}
	return false
}

// matchGlob matches path segments against pattern segments; ** stands for
// any number of folders.
func matchGlob(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchGlob(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, _ := path.Match(pat[0], segs[0])
	return ok && matchGlob(pat[1:], segs[1:])
}

// Tx is what ingestion writes through: one transaction on one connection
// (the temporary tables and macros it uses live on that connection).
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Result counts what one source's ingestion did in this build.
type Result struct {
	Source      string
	Files       int   // files read in this build
	Skipped     int   // files already ingested by an earlier build
	Records     int64 // records read in this build
	Quarantined int64 // of which quarantined
}

// Options tune an ingestion.
type Options struct {
	RunID int64
	// BatchBytes bounds how much file content is processed at once.
	BatchBytes int64
}

// ChangedError reports a bronze file whose content changed after an earlier
// build ingested it.
type ChangedError struct{ File, Was, Now string }

func (e *ChangedError) Error() string {
	return fmt.Sprintf("bronze file %s changed after it was ingested (sha256 %s…, now %s…): bronze files are append-only; "+
		"put corrections in a new file, or run `elt build --full-refresh` to re-read everything", e.File, e.Was[:12], e.Now[:12])
}

type known struct {
	size  int64
	mtime time.Time
	sha   string
}

// Prepare creates the connection's macros and the source's bronze table.
func Prepare(ctx context.Context, tx Tx, src Source) error {
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
func Ingest(ctx context.Context, tx Tx, src Source, files []File, o Options) (Result, error) {
	res := Result{Source: src.Name}
	if err := Prepare(ctx, tx, src); err != nil {
		return res, err
	}
	seen, err := manifest(ctx, tx, src.Name)
	if err != nil {
		return res, err
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
		n, q, err := loadBatch(ctx, tx, src, batch, o.RunID)
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
		if ok && k.size == f.Size && k.mtime.Equal(f.ModTime) {
			res.Skipped++
			continue
		}
		data, err := os.ReadFile(f.Abs)
		if err != nil {
			return res, fmt.Errorf("cannot read bronze file %s: %w", f.Abs, unwrapPath(err))
		}
		sum := sha256.Sum256(data)
		sha := hex.EncodeToString(sum[:])
		if ok {
			if k.sha == sha {
				res.Skipped++ // touched, not changed
				continue
			}
			return res, &ChangedError{File: f.Rel, Was: k.sha, Now: sha}
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

func manifest(ctx context.Context, tx Tx, source string) (map[string]known, error) {
	rows, err := tx.QueryContext(ctx, `SELECT file, size, modified_at, sha256 FROM elt.files WHERE source = ?`, source)
	if err != nil {
		return nil, fmt.Errorf("read the file manifest: %w", err)
	}
	defer rows.Close()
	out := map[string]known{}
	for rows.Next() {
		var f string
		var k known
		if err := rows.Scan(&f, &k.size, &k.mtime, &k.sha); err != nil {
			return nil, err
		}
		out[f] = k
	}
	return out, rows.Err()
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

func loadBatch(ctx context.Context, tx Tx, src Source, batch []loaded, runID int64) (records, quarantined int64, err error) {
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE elt_raw (file VARCHAR, content VARCHAR, bad_lines BIGINT[], size BIGINT, modified_at TIMESTAMP, sha256 VARCHAR)`); err != nil {
		return 0, 0, err
	}
	for _, f := range batch {
		bad := make([]string, len(f.bad))
		for i, n := range f.bad {
			bad[i] = strconv.Itoa(n)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO elt_raw VALUES (?, ?, list_transform(string_split(nullif(?, ''), ','), x -> x::BIGINT), ?, ?, ?)`,
			f.Rel, f.content, strings.Join(bad, ","), f.Size, f.ModTime, f.sha); err != nil {
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
		if os.Getenv("ELT_TRACE") != "" {
			fmt.Fprintf(os.Stderr, "trace: %6.2fs  ingest %s: %s\n", time.Since(t0).Seconds(), src.Name, s)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO silver.quarantine (source, file, line, reason, raw, run_id)
		SELECT ?, file, line, reason, raw, ? FROM elt_checked WHERE reason IS NOT NULL ORDER BY file, line`, src.Name, runID); err != nil {
		return 0, 0, fmt.Errorf("quarantine %s: %w", src.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO elt.files (source, file, size, modified_at, sha256, records, ingested_at, run_id)
		SELECT ?, r.file, r.size, r.modified_at, r.sha256, coalesce(c.n, 0), now()::TIMESTAMP, ?
		FROM elt_raw AS r LEFT JOIN (SELECT file, count(*) AS n FROM elt_checked GROUP BY file) AS c USING (file)`, src.Name, runID); err != nil {
		return 0, 0, fmt.Errorf("record %s files: %w", src.Name, err)
	}
	err = tx.QueryRowContext(ctx, `SELECT count(*), count(reason) FROM elt_checked`).Scan(&records, &quarantined)
	return records, quarantined, err
}
