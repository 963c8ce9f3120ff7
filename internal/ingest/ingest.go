package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Source is a bronze folder and how to read it: its declaration in
// elt.yaml, resolved against the bronze root.
type Source struct {
	Name string
	// Dir is the absolute folder of the source's files.
	Dir string
	// Prefix is Dir relative to the bronze root, / separated; file paths in
	// the warehouse are Prefix/relative-path.
	Prefix string
	project.Source
}

// Declared resolves the sources elt.yaml declares against the bronze root,
// in name order.
func Declared(cfg project.Config, bronze string) []Source {
	var out []Source
	for _, name := range cfg.SourceNames() {
		s := cfg.Sources[name]
		out = append(out, Source{Name: name, Dir: filepath.Join(bronze, filepath.FromSlash(s.Path)), Prefix: filepath.ToSlash(filepath.Clean(s.Path)), Source: s})
	}
	return out
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
	// BatchBytes bounds how much file content is processed at once (64 MB
	// when unset: at 10M events, 109 s and 4.9 GB peak, against 113 s and
	// 5.5 GB with 256 MB).
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

// Prepare creates the connection's macros and the source's bronze table,
// adding the columns of fields declared since it was made.
func Prepare(ctx context.Context, tx warehouse.Querier, src Source) error {
	if err := Macros(ctx, tx); err != nil {
		return err
	}
	return bronzeTable(ctx, tx, src)
}

// Macros creates, on the connection, the macros that hold the field rules
// (elt_ts_text is the contract's timestamp rule, for one).
func Macros(ctx context.Context, q warehouse.Querier) error {
	macros, err := sqlFS.ReadFile("sql/macros.sql")
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, string(macros)); err != nil {
		return fmt.Errorf("create ingestion macros: %w", err)
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
		o.BatchBytes = 64 << 20
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
	// Files that look new or different are read, hashed and prepared in
	// parallel (in order, at most workers at a time), then loaded in order.
	var todo []File
	for _, f := range files {
		if k, ok := seen[f.Rel]; !ok || !k.Same(f.Look) {
			todo = append(todo, f)
		}
	}
	workers := max(runtime.GOMAXPROCS(0), 1)
	results := make([]chan loaded, len(todo))
	for i := range results {
		results[i] = make(chan loaded, 1)
	}
	sem := make(chan struct{}, workers)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i, f := range todo {
			select {
			case sem <- struct{}{}:
			case <-stop:
				return
			}
			_, known := seen[f.Rel]
			go func() { results[i] <- readFile(src, f, known) }()
		}
	}()
	for i, f := range todo {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		l := <-results[i]
		<-sem
		if l.err != nil {
			return res, l.err
		}
		if k, ok := seen[f.Rel]; ok {
			if k.SHA256 != l.sha {
				return res, &ChangedError{File: f.Rel, Was: k.SHA256, Now: l.sha}
			}
			// Touched or copied, not changed: remember how it looks now.
			if err := state.Relook(ctx, tx, src.Name, f.Rel, f.Look); err != nil {
				return res, err
			}
			continue
		}
		if p, ok := o.Previous[f.Rel]; ok && p.SHA256 != l.sha {
			res.Changed = append(res.Changed, f.Rel)
		}
		res.Files++
		batch = append(batch, l)
		size += l.Size
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
	sha  string
	recs *fileRecords // NDJSON and CSV: the file's records
	err  error
}

// readFile reads one bronze file once: its hash, and (NDJSON, CSV) its
// records. A file already in the manifest (touched, or copied with its
// bytes) and a Parquet file (DuckDB reads it) are only hashed, streaming.
func readFile(src Source, f File, hashOnly bool) loaded {
	l := loaded{File: f}
	if hashOnly || src.Format == project.Parquet {
		l.sha, l.err = hashFile(f.Abs)
		return l
	}
	data, err := os.ReadFile(f.Abs)
	if err != nil {
		l.err = fmt.Errorf("cannot read bronze file %s: %w", f.Abs, unwrapPath(err))
		return l
	}
	if len(data) > maxText {
		l.err = fmt.Errorf("bronze file %s is %d bytes: elt reads NDJSON and CSV files of up to 2 GiB; split it into smaller files", f.Abs, len(data))
		return l
	}
	sum := sha256.Sum256(data)
	l.sha = hex.EncodeToString(sum[:])
	text, bad := prepareText(data)
	switch src.Format {
	case project.CSV:
		l.recs = csvRecords(text, bad, columns(src))
	case project.NDJSON:
		l.recs = ndjsonRecords(text, bad, columns(src))
	}
	return l
}

// hashFile is the sha256 of a bronze file, read in pieces.
func hashFile(path string) (string, error) {
	sum, err := HashFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read bronze file %s: %w", path, unwrapPath(err))
	}
	return sum, nil
}

// HashFile is the sha256 of a file, in hex, read in pieces: how the
// manifest (and a seed's state) knows a file's content.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// loadBatch loads a batch of files: their records into elt_records (by
// format), the rules into elt_checked, the good records into the bronze
// table, the rest into the quarantine, and the files into the manifest.
func loadBatch(ctx context.Context, tx warehouse.Querier, src Source, batch []loaded, o Options) (records, quarantined int64, err error) {
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE elt_raw (_file VARCHAR, size BIGINT, modified_at TIMESTAMP,
		changed_at TIMESTAMP, inode BIGINT, sha256 VARCHAR)`); err != nil {
		return 0, 0, err
	}
	for _, f := range batch {
		if _, err := tx.ExecContext(ctx, `INSERT INTO elt_raw VALUES (?, ?, ?, ?, ?, ?)`,
			f.Rel, f.Size, f.ModTime, f.ChangeTime, int64(f.Inode), f.sha); err != nil {
			return 0, 0, fmt.Errorf("load %s: %w", f.Rel, err)
		}
	}
	var steps []string
	if src.Format == project.Parquet {
		var cleanup func()
		steps, cleanup, err = parquetSteps(ctx, tx, src, batch)
		if err != nil {
			return 0, 0, err
		}
		defer cleanup()
	} else {
		recs, files := make([]*fileRecords, len(batch)), make([]string, len(batch))
		for i, f := range batch {
			recs[i], files[i] = f.recs, f.Rel
		}
		fr, err := frame(recs, len(src.Fields))
		if err != nil {
			return 0, 0, err
		}
		id, unshare := warehouse.Share(fr)
		defer unshare()
		// The view reads the frame, so it goes when the frame does.
		defer tx.ExecContext(ctx, "DROP VIEW IF EXISTS elt_records")
		steps = append(steps, recordsView(id, files, len(src.Fields)))
	}
	steps = append(steps, checkedSQL(src), insertSQL(src, o.RunID))
	for _, q := range steps {
		t0 := time.Now()
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, 0, fmt.Errorf("ingest %s: %w", src.Name, err)
		}
		if o.Trace != nil {
			fmt.Fprintf(o.Trace, "trace: %6.2fs  ingest %s: %.60s\n", time.Since(t0).Seconds(), src.Name, strings.Join(strings.Fields(q), " "))
		}
	}
	if err := fillRaw(ctx, tx, batch); err != nil {
		return 0, 0, err
	}
	if err := state.Quarantine(ctx, tx, src.Name, o.RunID, "elt_checked"); err != nil {
		return 0, 0, err
	}
	if err := state.RecordFiles(ctx, tx, src.Name, o.RunID, "elt_raw", "elt_checked"); err != nil {
		return 0, 0, err
	}
	err = tx.QueryRowContext(ctx, `SELECT count(*), count(_reason) FROM elt_checked`).Scan(&records, &quarantined)
	return records, quarantined, err
}

// fillRaw gives the rejected records of elt_checked the raw text Go kept
// for them: only the quarantine needs it, so the good records' text never
// goes to DuckDB.
func fillRaw(ctx context.Context, tx warehouse.Querier, batch []loaded) error {
	rows, err := tx.QueryContext(ctx, `SELECT _file, _line FROM elt_checked WHERE _reason IS NOT NULL AND _raw IS NULL`)
	if err != nil {
		return err
	}
	want := map[string]map[int64]bool{}
	for rows.Next() {
		var f string
		var n int64
		if err := rows.Scan(&f, &n); err != nil {
			rows.Close()
			return err
		}
		if want[f] == nil {
			want[f] = map[int64]bool{}
		}
		want[f][n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(want) == 0 {
		return err
	}
	file, line, raw := warehouse.TextColumn("_file", 0), warehouse.IntColumn("_line", 0), warehouse.TextColumn("_raw", 0)
	for _, l := range batch {
		lines := want[l.Rel]
		if lines == nil || l.recs == nil {
			continue
		}
		for k, n := range l.recs.line {
			if lines[n] {
				file.AddString(l.Rel)
				line.AddInt(n)
				raw.AddString(l.recs.str(l.recs.raw[k]))
			}
		}
	}
	fr, err := warehouse.NewFrame(file, line, raw)
	if err != nil {
		return err
	}
	id, unshare := warehouse.Share(fr)
	defer unshare()
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE elt_checked SET _raw = r._raw FROM elt_frame(%d) AS r
		WHERE elt_checked._file = r._file AND elt_checked._line = r._line`, id))
	return err
}
