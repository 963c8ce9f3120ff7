// Package warehouse owns the DuckDB database: opening it with the project's
// settings, turning lock errors into plain words, classifying DuckDB's
// errors by type and mapping their positions back to lines and columns,
// DuckDB's parser (Statements, CountStatements, SelectTree), the
// functions elt registers (elt_frame, elt_reject) and the query
// progress reader. It is the only package that imports duckdb-go and its
// bindings; what may run on a warehouse opened for reading is decided by
// the gate in package query, on this package's parser.
package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse/frame"
)

// Options are the engine settings taken from elt.yaml.
type Options struct {
	ReadOnly      bool
	Threads       int
	MemoryLimit   string
	TempDirectory string
	// Setup are statements run on every connection once it is open
	// (SET VARIABLE of the project's variables).
	Setup []string
	// FileSearchPath is where relative file paths in SQL (read_csv('seeds/
	// x.csv')) are found: the project folder, wherever elt runs from.
	FileSearchPath string
	// NoFiles turns off every access to files but the warehouse's own
	// (enable_external_access): a read-only warehouse opened so cannot
	// read, write or attach a file, nor install or load an extension,
	// whatever statement it is given. elt query opens it so.
	NoFiles bool
}

// DB is an open warehouse.
type DB struct {
	*sql.DB
	Path     string
	ReadOnly bool
}

// ErrLocked is returned (wrapped in a LockError) when another process holds
// the warehouse.
var ErrLocked = errors.New("warehouse is in use by another process")

// LockError says which process holds the warehouse.
type LockError struct {
	Path string
	PID  int
	Prog string
}

func (e *LockError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("process %d", e.PID)
		if e.Prog != "" {
			who += " (" + e.Prog + ")"
		}
	}
	return fmt.Sprintf("the warehouse %s is open for writing by %s, probably a running `elt build`.\n"+
		"DuckDB lets one process write a database file and no other process open it meanwhile.\n"+
		"Wait for that build to finish (or stop it with Ctrl-C) and run this again.", e.Path, who)
}

// Unwrap makes errors.Is(err, ErrLocked) work.
func (e *LockError) Unwrap() error { return ErrLocked }

var lockRe = regexp.MustCompile(`Conflicting lock is held in (.*?) \(PID (\d+)\)`)

// StorageVersion is the DuckDB storage format a warehouse is written in.
// DuckDB's default for new files is still v0.10.2's; DuckDB 1.5's format
// writes a table about 20% faster (DICT_FSST for strings) into a smaller
// file. A warehouse made by an older elt is brought up to it as it is
// written, and is then readable by DuckDB 1.5 or later only. Raise it with
// the DuckDB version, deliberately: a file in a newer format cannot be read
// by an older DuckDB.
const StorageVersion = "v1.5.0"

// Open opens (creating when writable) the DuckDB file at path. An empty path
// opens an in-memory database.
//
// The file is attached to an in-memory DuckDB (ATTACH takes the path as a
// string literal, never parsed for options) and made every connection's
// default database. A read-only
// warehouse is also opened with its configuration locked and persistent
// secrets off, so a query cannot change a setting or write a secret.
func Open(ctx context.Context, path string, o Options) (*DB, error) {
	q := url.Values{}
	// The settings that matter are set here, not left to DuckDB's defaults
	// of the day (design/performance.md has the measurements):
	// - nothing is downloaded: the extensions elt uses (json, parquet) are
	//   built into duckdb-go and load without installing;
	// - insertion order is kept: users expect a table built with ORDER BY
	//   to read back in that order (a build's ingestion turns it off for
	//   one statement, see KeepInsertionOrder);
	// - the write-ahead log is checkpointed into the file once it passes
	//   16MB, at the end of a build's commit at the latest, so the file is
	//   whole after each build and recovery replays little;
	// - threads: elt.yaml's duckdb.threads, else one per core;
	// - the file is written in StorageVersion's format;
	// - DuckDB's allocator gives memory freed back to the system from
	//   threads of its own, so the process's resident memory follows what
	//   DuckDB holds (a build of 10M events with DuckDB's limit at 1GB
	//   peaked at 1.31 GB against 1.44 GB without, at 800MB at 0.98 GB
	//   against 1.09 GB).
	q.Set("autoinstall_known_extensions", "false")
	q.Set("allocator_background_threads", "true")
	q.Set("autoload_known_extensions", "true")
	q.Set("preserve_insertion_order", "true")
	q.Set("checkpoint_threshold", "16MB")
	threads := o.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	q.Set("threads", strconv.Itoa(threads))
	if o.MemoryLimit != "" {
		q.Set("memory_limit", o.MemoryLimit)
	}
	tmp := o.TempDirectory
	if tmp == "" && path != "" {
		tmp = path + ".tmp" // DuckDB's own default for a database file
	}
	if tmp != "" {
		q.Set("temp_directory", tmp)
	}
	if o.FileSearchPath != "" {
		q.Set("file_search_path", o.FileSearchPath)
	}
	if o.ReadOnly {
		q.Set("allow_persistent_secrets", "false")
		if !o.NoFiles {
			q.Set("lock_configuration", "true")
		}
	}
	var init func(driver.ExecerContext) error
	if path != "" {
		if o.ReadOnly {
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("no warehouse at %s yet: run `elt build` first", path)
			}
		} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create the warehouse folder: %w", err)
		}
		if strings.Contains(path, "?") {
			// DuckDB names the write-ahead log by inserting ".wal" before
			// the first '?' of the path (as if the rest were URL options),
			// even on a path it was given as a literal.
			return nil, fmt.Errorf("the warehouse path %s holds a '?': DuckDB would write its log under another name (%s), "+
				"so a build could not be recovered; choose a warehouse path without '?' (bronze and output paths may hold one)",
				path, strings.Replace(path, "?", ".wal?", 1))
		}
		if !o.ReadOnly {
			if err := createWhole(path); err != nil {
				return nil, friendly(path, err)
			}
		}
		attach := "ATTACH IF NOT EXISTS " + sqlname.Literal(path) + " AS " + sqlname.Ident(Catalog(path))
		if o.ReadOnly {
			attach += " (READ_ONLY)"
		} else {
			attach += " (STORAGE_VERSION " + sqlname.Literal(StorageVersion) + ")"
		}
		use := "USE " + sqlname.Ident(Catalog(path))
		// With NoFiles the file is attached first, then access to files is
		// turned off and the configuration locked: settings the whole
		// database shares, so only the first connection sets them.
		var mu sync.Mutex
		closed := !o.NoFiles
		init = func(e driver.ExecerContext) error {
			for _, s := range append([]string{attach, use}, o.Setup...) {
				if _, err := e.ExecContext(context.Background(), s, nil); err != nil {
					return err
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if closed {
				return nil
			}
			for _, s := range []string{"SET enable_external_access = false", "SET lock_configuration = true"} {
				if _, err := e.ExecContext(context.Background(), s, nil); err != nil {
					return err
				}
			}
			closed = true
			return nil
		}
	}
	connector, err := duckdb.NewConnector(":memory:?"+q.Encode(), init)
	if err != nil {
		return nil, friendly(path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, friendly(path, err)
	}
	if !o.ReadOnly {
		for _, register := range []func(context.Context, *sql.DB) error{frame.Register, registerRejects} {
			if err := register(ctx, db); err != nil {
				db.Close()
				return nil, err
			}
		}
	}
	return &DB{DB: db, Path: path, ReadOnly: o.ReadOnly}, nil
}

// createWhole makes a new, empty warehouse at path in one step, when there
// is none. DuckDB creates a database file and then writes its headers, so a
// process killed between the two (a build killed as it starts) leaves a
// file no DuckDB opens again ("exists, but it is not a valid DuckDB
// database file"). The new file is written whole under path + ".new" and
// linked to path, which fails rather than replace a warehouse another
// process made meanwhile; a file system without links gets a rename.
func createWhole(path string) error {
	tmp := path + ".new"
	clear := func() { os.Remove(tmp); os.Remove(tmp + ".wal") }
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			clear() // a second name left by a process killed as it linked
		}
		return nil // there is one (or DuckDB says why not)
	}
	clear()
	defer clear()
	connector, err := duckdb.NewConnector(":memory:?autoinstall_known_extensions=false&autoload_known_extensions=false", nil)
	if err != nil {
		return err
	}
	db := sql.OpenDB(connector)
	_, err = db.Exec("ATTACH " + sqlname.Literal(tmp) + " AS elt_new (STORAGE_VERSION " + sqlname.Literal(StorageVersion) + "); DETACH elt_new")
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(tmp)
	}
	if err != nil {
		return fmt.Errorf("create the warehouse: %w", err)
	}
	// A log without its database is a removed warehouse's: DuckDB discards
	// it as it creates a file, and would refuse it beside this one.
	if _, err := os.Lstat(path); err == nil {
		return nil // another process made it meanwhile
	}
	if err := os.Remove(path + ".wal"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("create the warehouse: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // another process made it first
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("create the warehouse: %w", err)
		}
	}
	syncFile(filepath.Dir(path)) // the link is on disk (Windows cannot sync a folder)
	return nil
}

// syncFile flushes a file or folder to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// KeepInsertionOrder sets preserve_insertion_order, which Open sets on and
// the whole database shares. It is not part of a transaction: a statement
// run with it off (a build's ingestion turns it off for the rules, whose
// rows carry their file and line) and failing leaves it off, so a build puts
// it back on after its transaction, however it ended.
func KeepInsertionOrder(ctx context.Context, q Querier, keep bool) error {
	_, err := q.ExecContext(ctx, fmt.Sprintf("SET preserve_insertion_order = %t", keep))
	return err
}

// Catalog is the name the warehouse file is attached under: its file name
// without extension, as DuckDB names a database it opens, unless that is
// one of DuckDB's own catalog names.
func Catalog(path string) string {
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	switch strings.ToLower(name) {
	case "", "memory", "temp", "system", "main":
		return "warehouse"
	}
	return name
}

// friendly turns DuckDB's error opening the warehouse into plain words,
// by its type: an IO error is a file DuckDB cannot lock or read, a
// serialization error one it cannot read. DuckDB tells a lock held by
// another process from other IO errors, and names that process, only in
// the message's text, which is read for that alone.
func friendly(path string, err error) error {
	if isType(err, duckdb.ErrorTypeIO) {
		msg := err.Error()
		if m := lockRe.FindStringSubmatch(msg); m != nil {
			pid, _ := strconv.Atoi(m[2])
			return &LockError{Path: path, PID: pid, Prog: m[1]}
		}
		if strings.Contains(msg, "Could not set lock") {
			return &LockError{Path: path}
		}
	}
	if isType(err, duckdb.ErrorTypeIO, duckdb.ErrorTypeSerialization) {
		return &OpenError{Path: path, Err: err}
	}
	return fmt.Errorf("open warehouse %s: %w", path, err)
}

// OpenError is a warehouse file DuckDB cannot read: truncated, damaged, not
// a DuckDB file, or written by a newer DuckDB.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("cannot open the warehouse %s: %v\n"+
		"  hint: the file is damaged or is not a DuckDB database of this version. Move it aside (mv %s %s.broken);\n"+
		"  then `elt build --full-refresh` rebuilds everything from the bronze files", e.Path, e.Err, e.Path, e.Path)
}

func (e *OpenError) Unwrap() error { return e.Err }

// QueryError is a DuckDB error with the position DuckDB reported, as a
// line and column of the statement that was sent.
type QueryError struct {
	Kind string // DuckDB's error class, such as "Binder Error"
	Msg  string // the message without the LINE context
	Line int    // 1-based line in the statement; 0 when unknown
	Col  int    // 1-based column; 0 when unknown
	// Shown is the part of a long line DuckDB showed, when it cut the line
	// (and Col is 0), and ShownCol the column within it: a caller that has
	// the statement can find the column there.
	Shown    string
	ShownCol int
}

func (e *QueryError) Error() string { return e.Kind + ": " + e.Msg }

// lineCtxRe is the position DuckDB appends to a message: the statement's
// line and a caret under the offending character, drawn for a terminal
// (see diag.CharColumn). DuckDB gives the position of
// most errors only in this text (duckdb.Error has a type and a message, no
// offset), so it is read from there; the error's kind is read from its
// type.
var lineCtxRe = regexp.MustCompile(`(?s)\n*LINE (\d+): ([^\n]*)\n( *)\^.*$`)

// AsQueryError splits a DuckDB error into kind (from its type), message
// and position (from the LINE context of its text, its column counted in
// characters).
func AsQueryError(err error) *QueryError {
	if err == nil {
		return nil
	}
	if qe, ok := errors.AsType[*QueryError](err); ok {
		return qe
	}
	qe := queryError(err)
	qe.locate()
	return qe
}

// locate moves the LINE context at the end of the message into the line
// and column (in characters).
func (qe *QueryError) locate() {
	m := lineCtxRe.FindStringSubmatchIndex(qe.Msg)
	if m == nil {
		return
	}
	line, _ := strconv.Atoi(qe.Msg[m[2]:m[3]])
	prefix := len("LINE ") + (m[3] - m[2]) + len(": ")
	snippet := qe.Msg[m[4]:m[5]]
	caret := m[7] - m[6]
	col := diag.CharColumn(snippet, caret-prefix)
	if strings.HasPrefix(snippet, "...") {
		// The line was cut; the column is not known from the message alone.
		qe.Shown, qe.ShownCol = strings.TrimSuffix(snippet[3:], "..."), col-3
		col = 0
	}
	qe.Line, qe.Col = line, col
	qe.Msg = strings.TrimSpace(qe.Msg[:m[0]])
}

// SerializeSQL returns DuckDB's JSON syntax tree of a query (parser only:
// nothing is bound or run).
func (db *DB) SerializeSQL(ctx context.Context, query string) (string, error) {
	var out string
	err := db.QueryRowContext(ctx, serializeSQL, query).Scan(&out)
	return out, err
}

// SerializeFullSQL is SerializeSQL with the tree's empty lists kept (an
// empty grouping set: ROLLUP (a) is GROUP BY a and ()).
func (db *DB) SerializeFullSQL(ctx context.Context, query string) (string, error) {
	var out string
	err := db.QueryRowContext(ctx, `SELECT json_serialize_sql(?::VARCHAR)::VARCHAR`, query).Scan(&out)
	return out, err
}

// Querier runs SQL: a *sql.DB, a *sql.Conn or a *sql.Tx. Functions that
// write inside a build take the build's transaction as one.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// AggregateNames are the names of the aggregate functions DuckDB knows
// (built in, from extensions, and macros), lower case.
func (db *DB) AggregateNames(ctx context.Context) (map[string]bool, error) {
	return Set(ctx, db, `SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type = 'aggregate'`)
}

// Set is the values of a query's one VARCHAR column, as a set.
func Set(ctx context.Context, q Querier, query string, args ...any) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}
