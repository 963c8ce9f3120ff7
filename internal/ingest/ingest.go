package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/ingest/discover"
	"github.com/digitalservices/elt/internal/ingest/read"
	"github.com/digitalservices/elt/internal/ingest/rules"
	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
	"github.com/digitalservices/elt/internal/warehouse/frame"
)

// Source is a bronze folder and how to read it: its declaration in
// elt.yaml, resolved against the bronze root.
type Source struct {
	Name string
	// Dir is the absolute folder of the source's files, or the s3://
	// prefix of its objects.
	Dir string
	// Prefix is Dir relative to the bronze root, / separated; file paths in
	// the warehouse are Prefix/relative-path (objects are named by their
	// s3:// address instead).
	Prefix string
	// Storage reaches Dir when it is on object storage.
	Storage lake.Settings
	// Staged loads the source whole under its staging name
	// (sqlname.Staging), its manifest and quarantine rows into
	// state.StagedBooks, as if no file had been read before: its first load, or
	// a full refresh, which the build publishes in its last transaction.
	Staged bool
	contract.Source
}

// Declared resolves the sources elt.yaml declares against the bronze root
// (a folder or an s3:// prefix), in name order; a source's own s3:// path
// is taken as written.
func Declared(cfg project.Config, bronze string) []Source {
	var out []Source
	for _, name := range cfg.SourceNames() {
		s := cfg.Sources[name]
		src := Source{Name: name, Dir: filepath.Join(bronze, filepath.FromSlash(s.Path)), Prefix: filepath.ToSlash(filepath.Clean(s.Path)), Storage: cfg.Storage, Source: s}
		if lake.IsURL(s.Path) || lake.IsURL(bronze) || s.Kafka != nil {
			src.Dir = cfg.SourceLocation(bronze, name)
		}
		out = append(out, src)
	}
	return out
}

// Folder is the source's folder, for discover.Discover.
func (s Source) Folder() discover.Folder {
	return discover.Folder{Source: s.Name, Dir: s.Dir, Prefix: s.Prefix, Patterns: s.Patterns, Storage: s.Storage}
}

// Table is the bronze table the source loads into: its staging name
// while it is Staged.
func (s Source) Table() sqlname.Relation { return sqlname.Qualified("bronze", s.tableName()) }

// tableName is the name of Table in the schema bronze.
func (s Source) tableName() string {
	if s.Staged {
		return sqlname.StagingPrefix + s.Name
	}
	return s.Name
}

// books are where the source's ingestion records its files and rejected
// records.
func (s Source) books() state.Books {
	if s.Staged {
		return state.StagedBooks
	}
	return state.PublishedBooks
}

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
	// Progress, when set, is told how far ingestion has got each time it
	// takes a piece of a file.
	Progress func(Progress)
	// Held are files in bronze held back from this build (Listing.Held):
	// not read now, and not missing either.
	Held []string
	// Downloads is how many objects are read at once from object storage
	// (0 is 4), each at most two pieces of read.ChunkBytes ahead of the
	// load: Downloads(memory limit) keeps them within it.
	Downloads int
	// Spool is the folder a Parquet object is downloaded to, for DuckDB to
	// read it from disk (removed after), DuckDB's temp_directory when set;
	// "" is the system's temporary folder.
	Spool string
	// Conn, when set, is the connection the transaction runs on: a stream
	// of batches then reaches DuckDB as Arrow record batches, a view of
	// the connection's, where the statement reads them whole (ShareStreamOn).
	Conn *sql.Conn
}

// Downloads is how many objects may be read at once within a memory limit
// of limit bytes (0 for none known): one per 256 MB, from 1 to 4.
func Downloads(limit float64) int {
	if limit <= 0 {
		return 4
	}
	return max(1, min(4, int(limit/(256<<20))))
}

// Progress is how far an ingestion has got: the records taken so far, and
// the bytes taken of the files it reads (new or changed; those it only
// hashes count too) against their total.
type Progress struct {
	Records, Bytes, TotalBytes int64
}

// Percent is the share of the bytes taken, 0 to 100; -1 with nothing to
// read.
func (p Progress) Percent() float64 {
	if p.TotalBytes <= 0 {
		return -1
	}
	return min(100, 100*float64(p.Bytes)/float64(p.TotalBytes))
}

// ChangedError reports a bronze file whose content changed after an earlier
// build ingested it.
type ChangedError struct{ File, Was, Now string }

func (e *ChangedError) Error() string {
	return fmt.Sprintf("bronze file %s changed after it was ingested (fingerprint %s…, now %s…): bronze files are append-only; "+
		"put corrections in a new file, or run `elt build --full-refresh` to re-read everything", e.File, short(e.Was), short(e.Now))
}

// short is the start of a fingerprint, enough to tell two apart by eye.
func short(fp string) string {
	return fp[:min(len(fp), 17)]
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
	macros, err := rules.Macros()
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, macros); err != nil {
		return fmt.Errorf("create ingestion macros: %w", err)
	}
	return nil
}

// Ingest loads the source's new files: each file not in the manifest is read
// once, its records checked and loaded, and the file recorded.
func Ingest(ctx context.Context, tx warehouse.Querier, src Source, files []discover.File, o Options) (Result, error) {
	res := Result{Source: src.Name}
	if err := Prepare(ctx, tx, src); err != nil {
		return res, err
	}
	seen := state.Manifest{}
	if !src.Staged {
		var err error
		if seen, err = state.ReadManifest(ctx, tx, src.Name); err != nil {
			return res, err
		}
	}
	have := discover.Paths(files)
	for _, f := range o.Held {
		have[f] = true
	}
	if o.Previous != nil {
		res.Missing = o.Previous.Missing(have)
	} else {
		res.Missing = seen.Missing(have)
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 64 << 20
	}
	// Files that look new or different are read, hashed and prepared in
	// parallel (at most workers at a time, each at most one piece ahead),
	// and loaded in order, a piece at a time.
	var todo []discover.File
	var prog Progress
	for _, f := range files {
		if k, ok := seen[f.Rel]; !ok || !k.Same(f.Look) {
			todo = append(todo, f)
			prog.TotalBytes += f.Size
		}
	}
	if src.Format == contract.Parquet && lake.IsURL(src.Dir) {
		// Copies a killed build downloaded and could not remove.
		discover.SweepDownloads(o.Spool)
	}
	// Half the Go processors parse: DuckDB's threads call back into Go to
	// read each batch (elt_frame) and need one free meanwhile (elt runs
	// with one processor more than the machine's cores: on 2 cores, 3 and
	// one reader). Measured at 2M events on 2 cores, one file at a time in
	// parallel with DuckDB took 14.1-15.4 s against 15.6-16.2 s for two.
	workers := max(runtime.GOMAXPROCS(0)/2, 1)
	// Objects wait on the network more than on a core: a few are read at
	// once, within the memory limit.
	if len(todo) > 0 && todo[0].Remote() {
		workers = o.Downloads
		if workers <= 0 {
			workers = 4
		}
	}
	// Each reader holds at most one piece ready. One reader at a time (a
	// local source on up to 3 Go processors) may instead read ahead as many
	// pieces as two batches hold (a token each, taken when a piece is made
	// and given back once DuckDB's scan is past its records, or at once when
	// it has none): DuckDB loads one batch while the next is read and laid
	// out, and Go's memory stays bounded (but for the batches whose last
	// chunks DuckDB's threads still work on). (Readers in parallel could then
	// hold every token while the file loaded next waits for one.)
	ahead := 1
	var tokens chan struct{}
	if workers == 1 {
		ahead = 2 * max(1, int(o.BatchBytes/int64(read.ChunkBytes)))
		tokens = make(chan struct{}, ahead)
	}
	results := make([]chan read.Piece, len(todo))
	for i := range results {
		results[i] = make(chan read.Piece, ahead)
	}
	// The readers run under one group with the build's context: leaving,
	// for whatever reason, cancels them and waits for every one, so no
	// reader outlives the ingestion (nor holds a file open); a cancelled
	// build (Ctrl-C) stops them between two pieces of what they read.
	// Every copy a reader downloads is noted here as it is made, and all
	// are removed once the readers are done (those loaded already, after
	// their batch), whether or not ingestion got to them.
	var spool struct {
		sync.Mutex
		copies []string
	}
	readCtx, cancel := context.WithCancel(ctx)
	g, gctx := errgroup.WithContext(readCtx)
	defer func() {
		cancel()
		g.Wait()
		for _, c := range spool.copies {
			os.Remove(c)
		}
	}()
	sem := make(chan struct{}, workers)
	g.Go(func() error {
		for i, f := range todo {
			select {
			case sem <- struct{}{}:
			case <-gctx.Done():
				return nil
			}
			// A file is compared in the kind the manifest (or the one a full
			// refresh emptied) holds for it, so old manifests compare; read
			// whole, it is kept in XXH3 (fingerprint.Reading).
			k, known := seen[f.Rel]
			if p, ok := o.Previous[f.Rel]; ok && !known {
				k = p
			}
			g.Go(func() error {
				defer func() { <-sem }()
				emit := func(p read.Piece) bool {
					if tokens != nil {
						select {
						case tokens <- struct{}{}:
						case <-gctx.Done():
							return false
						}
					}
					select {
					case results[i] <- p:
						return true
					case <-gctx.Done():
						return false
					}
				}
				if f.Remote() && src.Format == contract.Parquet && !known {
					// DuckDB reads Parquet from disk: the object is
					// downloaded (hashed on the way), read, and removed.
					local, keep, compare, err := f.Download(gctx, o.Spool, k.Fingerprint)
					if local != "" {
						spool.Lock()
						spool.copies = append(spool.copies, local)
						spool.Unlock()
					}
					if err != nil {
						err = fmt.Errorf("cannot read bronze file: %w", err) // it names the object
					}
					emit(read.Piece{Fingerprint: keep, Compare: compare, Local: local, Err: err})
					return nil
				}
				read.File(gctx, f.Abs, func() (io.ReadCloser, error) { return f.Open(gctx) }, f.Size, src.Format, columns(src), k.Fingerprint, known, emit)
				return nil // a reader's error goes with its pieces, in file order
			})
		}
		return nil
	})
	f := &feeder{ctx: ctx, src: src, o: o, todo: todo, results: results, tokens: tokens, seen: seen, res: &res, prog: prog,
		target: min(int64(read.ChunkBytes), o.BatchBytes)}
	err := f.load(tx)
	if o.Trace != nil {
		fmt.Fprintf(o.Trace, "trace: %6.2fs  ingest %s: waited for Go to read the files\n", f.waited.Seconds(), src.Name)
	}
	return res, err
}

// A feeder takes the pieces the readers emit, in file order, into batches
// to load, and notes what the manifest records of each file taken, written
// between two statements (books). The first batches are smaller (a piece,
// then twice as much each time, up to BatchBytes): DuckDB starts loading
// while Go reads the rest, where it would otherwise wait for a whole batch
// with a core idle.
type feeder struct {
	ctx     context.Context
	src     Source
	o       Options
	todo    []discover.File
	results []chan read.Piece
	tokens  chan struct{}
	seen    state.Manifest
	res     *Result

	i              int    // the file being taken
	records, taken int64  // of file i so far
	local          string // file i's downloaded copy
	before         int64  // bytes of the files taken whole
	batch          []part
	size, target   int64
	prog           Progress
	waited         time.Duration // DuckDB's, for the readers
	books          []func(warehouse.Querier) error
	ingested       []state.Ingested // for the manifest, after books
}

// next returns the next batch, nil once every file is taken.
func (f *feeder) next() ([]part, error) {
	for f.i < len(f.todo) {
		file := f.todo[f.i]
		var p read.Piece
		select {
		case p = <-f.results[f.i]:
			if f.tokens != nil && p.Records == nil {
				<-f.tokens // nothing to hold
			}
		case <-f.ctx.Done():
			return nil, f.ctx.Err()
		}
		if p.Local != "" {
			f.local = p.Local
		}
		if p.Err != nil {
			return nil, p.Err
		}
		f.taken += p.Size
		if p.Fingerprint != "" {
			f.taken = file.Size // whole (its size when listed, which the pieces pass if it grew since)
		}
		f.prog.Bytes = f.before + min(f.taken, file.Size)
		if p.Records != nil {
			f.records += int64(p.Records.Len())
			f.prog.Records += int64(p.Records.Len())
			f.batch = append(f.batch, part{File: file, recs: p.Records, at: f.i, token: f.tokens != nil})
			f.size += p.Size
		}
		if f.o.Progress != nil {
			f.o.Progress(f.prog)
		}
		if p.Fingerprint != "" {
			if err := f.finish(file, p.Fingerprint, p.Compare); err != nil {
				return nil, err
			}
		}
		// A batch holds at most half the tokens, so that the next can be
		// made while it loads.
		if f.size >= f.target || (f.tokens != nil && 2*len(f.batch) >= cap(f.tokens)) {
			return f.cut(), nil
		}
	}
	return f.cut(), nil
}

// release gives back the tokens of a batch DuckDB is done with.
func (f *feeder) release(b []part) {
	for _, p := range b {
		if p.token {
			<-f.tokens
		}
	}
}

// finish notes what to record of a file taken whole, whose content's
// fingerprint is keep, and compare in the kind of what a manifest holds of
// it (read.Piece).
func (f *feeder) finish(file discover.File, keep, compare string) error {
	src, ctx := f.src, f.ctx
	records, local := f.records, f.local
	f.i, f.records, f.taken, f.local = f.i+1, 0, 0, ""
	f.before += file.Size
	if k, ok := f.seen[file.Rel]; ok {
		if k.Fingerprint != compare {
			return &ChangedError{File: file.Rel, Was: k.Fingerprint, Now: compare}
		}
		// Touched or copied, not changed: remember how it looks now.
		f.books = append(f.books, func(q warehouse.Querier) error { return src.books().Relook(ctx, q, src.Name, file.Rel, file.Look) })
		return nil
	}
	if p, ok := f.o.Previous[file.Rel]; ok && p.Fingerprint != compare {
		f.res.Changed = append(f.res.Changed, file.Rel)
	}
	f.res.Files++
	ingested := state.Ingested{File: file.Rel, Look: file.Look, Fingerprint: keep, Records: records}
	if src.Format == contract.Parquet {
		// DuckDB reads it, and counts its records when it does.
		f.batch = append(f.batch, part{File: file, parquet: &ingested, local: local, at: f.i - 1})
		f.size += file.Size
		return nil
	}
	f.ingested = append(f.ingested, ingested)
	return nil
}

// cut ends the batch being made and returns it (nil when empty).
func (f *feeder) cut() []part {
	b := f.batch
	if len(b) == 0 {
		return nil
	}
	f.batch, f.size = nil, 0
	f.target = min(2*f.target, f.o.BatchBytes)
	return b
}

// record writes what the files taken so far left for the manifest.
func (f *feeder) record(tx warehouse.Querier) error {
	for _, b := range f.books {
		if err := b(tx); err != nil {
			return err
		}
	}
	err := f.src.books().RecordFiles(f.ctx, tx, f.src.Name, f.o.RunID, f.ingested)
	f.books, f.ingested = f.books[:0], f.ingested[:0]
	return err
}

// load loads every batch the feeder takes: a Parquet source's a batch at
// a time (DuckDB reads each file), records many batches a statement
// (stream), or a batch at a time when the source's rules hold rows back
// (streamable).
func (f *feeder) load(tx warehouse.Querier) error {
	var carry []part
	streamed := f.src.Format != contract.Parquet
	for checked := false; ; {
		batch, err := carry, error(nil)
		if batch == nil {
			t0 := time.Now()
			batch, err = f.next()
			f.waited += time.Since(t0)
			if err != nil {
				return err
			}
		}
		carry = nil
		if err := f.record(tx); err != nil {
			return err
		}
		if batch == nil {
			return nil
		}
		if streamed && !checked {
			checked = true
			if streamed, err = streamable(f.ctx, tx, f.src); err != nil {
				return err
			}
		}
		var n, q int64
		if !streamed {
			n, q, err = loadBatch(f.ctx, tx, f.src, batch, Extra{}, f.o)
			f.release(batch)
			for _, p := range batch {
				if p.local != "" {
					os.Remove(p.local) // loaded: DuckDB has read it
				}
			}
		} else {
			n, q, carry, err = f.stream(tx, batch)
		}
		f.res.Records += n
		f.res.Quarantined += q
		if err != nil {
			return err
		}
	}
}

// What one statement of stream loads at most: files (their names are a
// list in its SQL) and records set aside (their raw text is held until
// the statement ends). Variables, for tests.
var (
	streamFiles   = 1000
	streamRejects = 100_000
)

// stream loads first and the batches the feeder takes after it in one
// statement, as long as their files fit its list and it has set aside
// fewer than streamRejects records; the batch after the one DuckDB reads is
// taken and laid out meanwhile. It returns the records loaded, those
// quarantined, and a batch taken but left for the next statement. One
// statement rather than one a batch is what lets DuckDB write bronze in
// whole row groups (design/performance.md).
func (f *feeder) stream(tx warehouse.Querier, first []part) (records, quarantined int64, carry []part, err error) {
	base := first[0].at
	end := min(len(f.todo), max(base+streamFiles, first[len(first)-1].at+1))
	names := make([]string, end-base)
	for i := range names {
		names[i] = f.todo[base+i].Rel
	}
	layout := func(b []part) (*frame.Frame, error) {
		recs, at := make([]*read.Records, len(b)), make([]int, len(b))
		for i, p := range b {
			recs[i], at[i] = p.recs, p.at-base+1
		}
		return read.Frame(recs, at, rules.Marks(f.src.Source))
	}
	fr, err := layout(first)
	if err != nil {
		return 0, 0, nil, err
	}
	live := &liveRecords{byFile: map[string][]*read.Records{}}
	id, taken, release := warehouse.CollectRejects(live.raw)
	defer release()
	// What DuckDB's threads and this goroutine share (the feeder too: the
	// statement's end, then mu, order what the scan did before what follows).
	var mu sync.Mutex
	batches := map[*frame.Frame][]part{}
	// reading is the batch of the frame the scan reads. Its tokens go back
	// once the scan is past it (Next), not once DuckDB is done with its
	// records (Done): a thread that fails the statement never comes back
	// with its chunk, and DuckDB waits for every other thread, one of which
	// may be in Next, waiting for a batch the readers make with tokens.
	var reading []part
	use := func(b []part, fr *frame.Frame) *frame.Frame {
		live.add(b)
		batches[fr] = b
		reading = b
		for _, p := range b {
			records += int64(p.recs.Len())
		}
		return fr
	}
	type ahead struct {
		b   []part
		fr  *frame.Frame // nil when b is beyond the list
		err error
	}
	pending, waiting := make(chan ahead, 1), false
	fetch := func() {
		waiting = true
		go func() {
			b, err := f.next()
			a := ahead{b: b, err: err}
			if err == nil && b != nil && b[len(b)-1].at < end {
				a.fr, a.err = layout(b)
			}
			pending <- a
		}()
	}
	receive := func() ahead {
		t0 := time.Now()
		a := <-pending
		f.waited += time.Since(t0)
		waiting = false
		return a
	}
	defer func() {
		if waiting { // taken for this statement, which ended first: the next's
			if a := receive(); err == nil && a.err != nil {
				err = a.err
			} else if err == nil {
				carry = a.b
			}
		}
	}()
	use(first, fr)
	fetch()
	var stop error // what ended the stream, in Go's words rather than DuckDB's
	stream := frame.Stream{
		Next: func() (*frame.Frame, error) {
			mu.Lock()
			f.release(reading)
			reading = nil
			mu.Unlock()
			if len(taken()) >= streamRejects {
				return nil, nil
			}
			a := receive() // not under mu: Done takes it
			mu.Lock()
			defer mu.Unlock()
			switch {
			case a.err != nil:
				stop = a.err
				return nil, a.err
			case a.fr == nil:
				carry = a.b // beyond the list, or nil: all taken
				return nil, nil
			}
			fetch()
			return use(a.b, a.fr), nil
		},
		Done: func(fr *frame.Frame) {
			mu.Lock()
			defer mu.Unlock()
			live.drop(batches[fr])
			delete(batches, fr)
		},
	}
	statement := rules.Insert(f.src.Source, f.src.Table(), f.o.RunID, id)
	t0 := time.Now()
	rel, unshare, err := frame.ShareStreamOn(f.ctx, f.o.Conn, fr, stream, func(rel string) error {
		_, err := run(f.ctx, tx, f.src, rules.View(rel, names, rules.Marks(f.src.Source)), f.o)
		return err
	}, func(string) (bool, error) { return frame.ReadsWhole(f.ctx, tx, statement, fr) })
	if err != nil {
		f.release(reading)
		return records, 0, nil, err
	}
	defer func() {
		if uerr := unshare(); err == nil && uerr != nil {
			err = fmt.Errorf("ingest %s: %w", f.src.Name, uerr)
		}
	}()
	if f.o.Trace != nil {
		fmt.Fprintf(f.o.Trace, "trace: %6.2fs  ingest %s: its records read as %s\n", time.Since(t0).Seconds(), f.src.Name, rel)
	}
	_, err = insert(f.ctx, tx, f.src, statement, f.o)
	mu.Lock()
	defer mu.Unlock()
	f.release(reading) // the scan did not get past it (it failed)
	if stop != nil {
		err = stop
	}
	if err != nil {
		return records, 0, nil, err
	}
	rejected := taken()
	if err := quarantine(f.ctx, tx, f.src, rejected, f.o.RunID); err != nil {
		return records, 0, nil, err
	}
	return records, int64(len(rejected)), carry, nil
}

// streamable tells whether the source's rules set a record aside before
// the DuckDB thread that took it takes another chunk of records, as a
// streamed statement needs (frame.Pipelined): not when a field's check
// holds rows back, reading a table (a join) or a window of rows.
func streamable(ctx context.Context, tx warehouse.Querier, src Source) (bool, error) {
	fr, err := read.Frame(nil, nil, rules.Marks(src.Source))
	if err != nil {
		return false, err
	}
	id, unshare := frame.ShareStream(fr, frame.Stream{Next: func() (*frame.Frame, error) { return nil, nil }})
	defer unshare()
	defer tx.ExecContext(ctx, "DROP VIEW IF EXISTS elt_records")
	if _, err := tx.ExecContext(ctx, rules.View(fmt.Sprintf("elt_frame(%d)", id), []string{src.Name}, rules.Marks(src.Source))); err != nil {
		return false, fmt.Errorf("ingest %s: %w", src.Name, err)
	}
	ok, err := frame.Pipelined(ctx, tx, rules.Insert(src.Source, src.Table(), 0, 0), "elt_reject")
	if err != nil {
		return false, fmt.Errorf("ingest %s: %w", src.Name, err)
	}
	return ok, nil
}

// liveRecords are the records of the batches a statement has not finished
// with, by file, for the raw text of those it sets aside.
type liveRecords struct {
	mu     sync.Mutex
	byFile map[string][]*read.Records
}

func (l *liveRecords) add(b []part) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range b {
		if p.recs != nil { // a Parquet file's rows carry their text
			l.byFile[p.Rel] = append(l.byFile[p.Rel], p.recs)
		}
	}
}

func (l *liveRecords) drop(b []part) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range b {
		rest := slices.DeleteFunc(l.byFile[p.Rel], func(r *read.Records) bool { return r == p.recs })
		if len(rest) == 0 {
			delete(l.byFile, p.Rel)
		} else {
			l.byFile[p.Rel] = rest
		}
	}
}

// raw is the text of the record at line of file, if a live batch holds it:
// a copy, for the statement keeps it to its end, and a piece of the
// records' text would keep all of that text in memory with it.
func (l *liveRecords) raw(file string, line int64) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.byFile[file] {
		if k, ok := r.Find(line); ok {
			return strings.Clone(r.Raw(k)), true
		}
	}
	return "", false
}

// Extra are columns of a batch's frame beside its records' fields, a
// value per record (read.Frame), and the SQL that reads them in
// elt_records (rules.View): a Kafka message's key, partition and timestamp.
type Extra struct {
	Cols []*frame.Column
	SQL  []string
}

// LoadRecords loads records read from elsewhere than a file (a Kafka
// source's messages, each partition's as from a file named by files), as
// a batch of a file's records is loaded: the good ones to bronze, the
// others to the quarantine. It returns the records and those quarantined.
func LoadRecords(ctx context.Context, tx warehouse.Querier, src Source, recs []*read.Records, files []string, x Extra, o Options) (records, quarantined int64, err error) {
	batch := make([]part, len(recs))
	for i, r := range recs {
		batch[i] = part{File: discover.File{Rel: files[i]}, recs: r}
	}
	return loadBatch(ctx, tx, src, batch, x, o)
}

// A part of a batch: a file's records, or a whole Parquet file (DuckDB
// reads it), to be recorded in the manifest once its records are counted.
type part struct {
	discover.File
	recs    *read.Records
	parquet *state.Ingested
	local   string // a Parquet object's downloaded copy
	at      int    // the file's place in the files read
	token   bool   // holds a token of the readers' (Ingest)
}

// loadBatch loads a batch of parts of files: their records as the view
// elt_records (of a frame; for Parquet, of one file at a time, as each may
// have its own columns), and in one pass of the rules the good records into
// the bronze table and the rest, with their raw text, into the quarantine;
// and Parquet files into the manifest (Ingest records the others, whose
// records Go counted).
func loadBatch(ctx context.Context, tx warehouse.Querier, src Source, batch []part, x Extra, o Options) (records, quarantined int64, err error) {
	live := &liveRecords{byFile: map[string][]*read.Records{}}
	live.add(batch)
	id, taken, release := warehouse.CollectRejects(live.raw)
	defer release()
	load := func(view string) (int64, error) {
		if _, err := run(ctx, tx, src, view, o); err != nil {
			return 0, err
		}
		return insert(ctx, tx, src, rules.Insert(src.Source, src.Table(), o.RunID, id), o)
	}
	good := map[string]int64{} // Parquet: the good records of each file
	if src.Format == contract.Parquet {
		for _, p := range batch {
			view, cleanup, err := parquetView(ctx, tx, src, p)
			if err == nil {
				good[p.Rel], err = load(view)
			}
			cleanup()
			if err != nil {
				return 0, 0, err
			}
		}
	} else {
		recs, files := make([]*read.Records, len(batch)), make([]string, len(batch))
		for i, f := range batch {
			recs[i], files[i] = f.recs, f.Rel
		}
		fr, err := read.Frame(recs, nil, rules.Marks(src.Source), x.Cols...)
		if err != nil {
			return 0, 0, err
		}
		fid, unshare := frame.Share(fr)
		_, err = load(rules.View(fmt.Sprintf("elt_frame(%d)", fid), files, rules.Marks(src.Source), x.SQL...))
		unshare()
		if err != nil {
			return 0, 0, err
		}
	}
	rejected := taken()
	if err := quarantine(ctx, tx, src, rejected, o.RunID); err != nil {
		return 0, 0, err
	}
	if src.Format == contract.Parquet {
		if records, err = recordParquet(ctx, tx, src, batch, good, rejected, o.RunID); err != nil {
			return 0, 0, err
		}
	} else {
		for _, p := range batch {
			records += int64(p.recs.Len())
		}
	}
	return records, int64(len(rejected)), nil
}

// run runs q (the view elt_records, or the rules' statement) for the
// ingestion of src, and returns the rows it wrote.
func run(ctx context.Context, tx warehouse.Querier, src Source, q string, o Options) (int64, error) {
	t0 := time.Now()
	res, err := tx.ExecContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("ingest %s: %w", src.Name, err)
	}
	if o.Trace != nil {
		fmt.Fprintf(o.Trace, "trace: %6.2fs  ingest %s: %.60s\n", time.Since(t0).Seconds(), src.Name, strings.Join(strings.Fields(q), " "))
	}
	return res.RowsAffected()
}

// insert runs statement (rules.Insert) over elt_records (run defined it),
// the good records into bronze, the rest to its rejects, and returns the
// good ones. The view goes after, so the next can take its name.
func insert(ctx context.Context, tx warehouse.Querier, src Source, statement string, o Options) (int64, error) {
	defer tx.ExecContext(ctx, "DROP VIEW IF EXISTS elt_records")
	// DuckDB cannot keep the order of rows from elt_frame (a table
	// function of Go's) but on one thread, so the rules would run on
	// one; bronze rows carry their file and line, and may come in any
	// order (measured at 2M events: 3.8 s against 5.9 s over all
	// batches). Insertion order is back on at once: the caller puts it
	// back if this fails midway.
	if err := warehouse.KeepInsertionOrder(ctx, tx, false); err != nil {
		return 0, err
	}
	n, err := run(ctx, tx, src, statement, o)
	if err != nil {
		return 0, err
	}
	return n, warehouse.KeepInsertionOrder(ctx, tx, true)
}

// recordParquet adds a batch's Parquet files to the manifest, with the
// records DuckDB read from each when it loaded them: the good ones it wrote
// to bronze (good, by file) and those it set aside. It returns their sum.
func recordParquet(ctx context.Context, tx warehouse.Querier, src Source, batch []part, good map[string]int64, rejected []warehouse.Rejected, runID int64) (int64, error) {
	counts := maps.Clone(good)
	for _, r := range rejected {
		counts[r.File]++
	}
	var sum int64
	files := make([]state.Ingested, len(batch))
	for i, p := range batch {
		files[i] = *p.parquet
		files[i].Records = counts[p.Rel]
		sum += files[i].Records
	}
	return sum, src.books().RecordFiles(ctx, tx, src.Name, runID, files)
}

// quarantine adds a batch's rejected records to the quarantine, in file
// and line order, each with its raw text: the one DuckDB had (Parquet), or
// the one Go kept, found as DuckDB rejected the record (liveRecords; the good
// records' text never goes to DuckDB).
func quarantine(ctx context.Context, tx warehouse.Querier, src Source, rejected []warehouse.Rejected, runID int64) error {
	if len(rejected) == 0 {
		return nil
	}
	for _, r := range rejected {
		if !r.Raw.Valid { // Go's text is looked up as DuckDB rejects the record (liveRecords)
			return fmt.Errorf("ingest %s: the text of %s line %d was let go before DuckDB set the record aside: please report this", src.Name, r.File, r.Line)
		}
	}
	n := len(rejected)
	file, line, reason, raw := frame.TextColumn("_file", n), frame.IntColumn("_line", n), frame.TextColumn("_reason", n), frame.TextColumn("_raw", n)
	for _, r := range rejected {
		file.AddString(r.File)
		line.AddInt(r.Line)
		reason.AddString(r.Reason)
		if r.Raw.Valid {
			raw.AddString(r.Raw.String)
		} else {
			raw.AddNull()
		}
	}
	fr, err := frame.New(file, line, reason, raw)
	if err != nil {
		return err
	}
	id, unshare := frame.Share(fr)
	defer unshare()
	return src.books().Quarantine(ctx, tx, src.Name, runID, fmt.Sprintf("elt_frame(%d)", id))
}
