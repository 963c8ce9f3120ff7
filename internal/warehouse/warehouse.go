// Package warehouse owns the DuckDB database: opening it with the project's
// settings, turning lock errors into plain words and mapping DuckDB's error
// positions back to lines. It is the only package that imports duckdb-go.
package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/digitalservices/elt/internal/sqlname"
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
	// - the file is written in StorageVersion's format.
	q.Set("autoinstall_known_extensions", "false")
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
		for _, register := range []func(context.Context, *sql.DB) error{registerFrames, registerRejects} {
			if err := register(ctx, db); err != nil {
				db.Close()
				return nil, err
			}
		}
	}
	return &DB{DB: db, Path: path, ReadOnly: o.ReadOnly}, nil
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

// ReadOnlyError is a statement elt query refuses: anything but a query.
type ReadOnlyError struct{ Kind string }

func (e *ReadOnlyError) Error() string {
	kind := strings.TrimPrefix(e.Kind, "EXPLAIN ")
	what := map[string]string{
		"COPY": "COPY writes files", "EXPORT": "EXPORT DATABASE writes files", "ATTACH": "ATTACH opens another database",
		"DETACH": "DETACH changes the attached databases", "LOAD": "INSTALL and LOAD add extensions",
		"SET": "SET and RESET change settings", "CREATE": "CREATE writes to the database", "DROP": "DROP removes from the database",
		"ALTER": "ALTER changes the database", "INSERT": "INSERT writes to the database", "UPDATE": "UPDATE writes to the database",
		"DELETE": "DELETE writes to the database", "CALL": "CALL runs procedures (use SELECT * FROM fn() to read a table function)",
		"INSTALL": "INSTALL and LOAD add extensions", "RESET": "SET and RESET change settings", "CHECKPOINT": "CHECKPOINT writes the database",
		"PRAGMA": "PRAGMA may change settings (read a pragma as a table: SELECT * FROM pragma_table_info('t'))",
	}[kind]
	if what == "" {
		what = kind + " statements are not queries"
	}
	if kind != e.Kind {
		what = "EXPLAIN is judged by what it explains, and " + what
	}
	return fmt.Sprintf("elt query is read-only and runs one SELECT (or WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, or the EXPLAIN of one): %s.\n"+
		"  To write data, add a model under models/ and run elt build; to write files, give a model export: in its header", what)
}

// ErrPivotValues refuses a PIVOT that does not list its values: DuckDB
// runs it as two statements, the first of which creates a type.
var ErrPivotValues = errors.New("elt query runs one query, and DuckDB runs a PIVOT without its values as two statements (the first creates a type of them): " +
	"list the values, e.g. PIVOT t ON status IN ('paid', 'placed') USING count(*)")

// ErrSeveralStatements refuses a query text holding more than one statement.
var ErrSeveralStatements = errors.New("elt query runs one statement; this text holds several: run them one at a time")

// Read runs one read-only statement, once Allow has let it through; a text
// DuckDB cannot parse is refused with DuckDB's message and position (a
// *QueryError), never run.
func (db *DB) Read(ctx context.Context, query string) (*sql.Rows, error) {
	if err := db.Allow(ctx, query); err != nil {
		return nil, err
	}
	return db.QueryContext(ctx, query)
}

// Allow decides whether query is one read-only statement. It is closed by
// default and asks DuckDB's parser only (json_serialize_sql binds and runs
// nothing, where preparing a statement would already create EXPORT
// DATABASE's folder): the text must be exactly one query — SELECT, WITH,
// FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE — or the EXPLAIN (ANALYZE or not)
// of exactly one query. Anything else is a *ReadOnlyError, several
// statements ErrSeveralStatements, and a text the parser cannot read a
// *QueryError at the line and column DuckDB names. The commands that read
// also open the warehouse read-only with its configuration locked, and
// elt query with no access to files (Options.NoFiles), so what the parser
// lets through cannot write either.
func (db *DB) Allow(ctx context.Context, query string) error {
	switch n, err := countStatements(query); {
	case err != nil:
		if qe := AsQueryError(err); qe.Line == 0 || utf8.RuneCountInString(query) != len(query) {
			// DuckDB's json_serialize_sql names an offset where the
			// extraction's message has no LINE (an end of input), and
			// the right one where text before the error holds
			// characters of several bytes: the parser's LINE context
			// then draws its caret (and may pick its line) by bytes
			// where it counted characters.
			if _, err := SelectTree(ctx, db, query); err != nil {
				if nq, ok := errors.AsType[*NotQueryError](err); ok && nq.Kind == Unparsed && nq.Offset >= 0 {
					qe.Line, qe.Col = lineCol(query, nq.Offset)
				}
			}
		}
		return err
	case n == 0:
		return &QueryError{Kind: "Parser Error", Msg: "the text holds no statement"}
	case n > 1 && firstKeyword(query) == "PIVOT":
		return ErrPivotValues // refused either way; this says why
	case n > 1:
		return ErrSeveralStatements
	}
	body, explain := explained(query)
	_, err := SelectTree(ctx, db, body)
	var nq *NotQueryError
	if !errors.As(err, &nq) {
		return err
	}
	switch nq.Kind {
	case Several:
		// One statement to the parser, several to json_serialize_sql:
		// DuckDB runs a PIVOT without its values as a statement that
		// creates a type of them first, then the query.
		return ErrPivotValues
	case NotSelect:
		kind := firstKeyword(body)
		if explain {
			kind = "EXPLAIN " + kind
		}
		return &ReadOnlyError{Kind: kind}
	}
	qe := &QueryError{Kind: "Parser Error", Msg: nq.Msg}
	if nq.Offset >= 0 {
		off := len(query) - len(body) + nq.Offset
		qe.Line, qe.Col = lineCol(query, off)
	}
	return qe
}

// explained is the statement an EXPLAIN explains, and whether query is an
// EXPLAIN: the text after EXPLAIN and its ANALYZE or its list of options.
// Options are plain words only (FORMAT json, ANALYZE true): a list with a
// quote, a comment or anything else leaves its parenthesis at the start
// of the body, which DuckDB's parser then refuses as a query, so that the
// body elt judges is always the statement DuckDB explains.
func explained(query string) (body string, explain bool) {
	m := explainRe.FindStringIndex(query)
	if m == nil {
		return query, false
	}
	rest := query[m[1]:]
	if a := explainOptionsRe.FindStringIndex(rest); a != nil {
		return rest[a[1]:], true
	}
	return rest, true
}

// lineCol is the 1-based line and column (in characters) of a byte
// offset in text.
func lineCol(text string, offset int) (line, col int) {
	offset = min(max(offset, 0), len(text))
	line = 1 + strings.Count(text[:offset], "\n")
	return line, utf8.RuneCountInString(text[strings.LastIndexByte(text[:offset], '\n')+1:offset]) + 1
}

var (
	explainRe        = regexp.MustCompile(`(?is)^\s*EXPLAIN\b`)
	explainOptionsRe = regexp.MustCompile(`(?i)^(?:\s+ANALY[SZ]E\b|\s*\(\s*[a-z_]+(?:\s+[a-z0-9_]+)?(?:\s*,\s*[a-z_]+(?:\s+[a-z0-9_]+)?)*\s*\))`)
	keywordRe        = regexp.MustCompile(`^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*([A-Za-z]+)`)
)

// firstKeyword names a statement by its first word, for messages only.
func firstKeyword(q string) string {
	if m := keywordRe.FindStringSubmatch(q); m != nil {
		return strings.ToUpper(m[1])
	}
	return "this"
}

// QueryError is a DuckDB error with the position DuckDB reported, as a
// line and column of the statement that was sent.
type QueryError struct {
	Kind string // DuckDB's error class, such as "Binder Error"
	Msg  string // the message without the LINE context
	Line int    // 1-based line in the statement; 0 when unknown
	Col  int    // 1-based column; 0 when unknown
}

func (e *QueryError) Error() string { return e.Kind + ": " + e.Msg }

// lineCtxRe is the position DuckDB appends to a message: the statement's
// line and a caret under the offending character, drawn for a terminal
// (see charCol). DuckDB gives the position of
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
	col := charCol(snippet, caret-prefix)
	if strings.HasPrefix(snippet, "...") {
		col = 0 // the line was cut; the column is not recoverable
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

// Querier runs SQL: a *sql.DB, a *sql.Conn or a *sql.Tx. Functions that
// write inside a build take the build's transaction as one.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// SetVariables are the statements that set DuckDB variables (SET
// VARIABLE), in name order, with each value as SQL: text quoted, numbers
// and booleans as they are.
func SetVariables(vars map[string]any) []string {
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		var v string
		switch x := vars[n].(type) {
		case string:
			v = sqlname.Literal(x)
		case bool:
			v = strconv.FormatBool(x)
		case float64:
			v = strconv.FormatFloat(x, 'f', -1, 64)
		case int, int64, uint64:
			v = fmt.Sprint(x)
		case nil:
			v = "NULL"
		default:
			v = sqlname.Literal(fmt.Sprint(x))
		}
		out[i] = "SET VARIABLE " + sqlname.Ident(n) + " = " + v
	}
	return out
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
