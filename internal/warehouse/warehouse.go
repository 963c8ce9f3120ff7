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
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Options are the engine settings taken from elt.yaml.
type Options struct {
	ReadOnly      bool
	Threads       int
	MemoryLimit   string
	TempDirectory string
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

// Open opens (creating when writable) the DuckDB file at path. An empty path
// opens an in-memory database.
func Open(ctx context.Context, path string, o Options) (*DB, error) {
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "true")
	if o.ReadOnly {
		q.Set("access_mode", "READ_ONLY")
	}
	if o.Threads > 0 {
		q.Set("threads", strconv.Itoa(o.Threads))
	}
	if o.MemoryLimit != "" {
		q.Set("memory_limit", o.MemoryLimit)
	}
	if o.TempDirectory != "" {
		q.Set("temp_directory", o.TempDirectory)
	}
	if path != "" && !o.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create the warehouse folder: %w", err)
		}
	}
	if path != "" && o.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no warehouse at %s yet: run `elt build` first", path)
		}
	}
	connector, err := duckdb.NewConnector(path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, friendly(path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, friendly(path, err)
	}
	return &DB{DB: db, Path: path, ReadOnly: o.ReadOnly}, nil
}

func friendly(path string, err error) error {
	msg := err.Error()
	if m := lockRe.FindStringSubmatch(msg); m != nil {
		pid, _ := strconv.Atoi(m[2])
		return &LockError{Path: path, PID: pid, Prog: m[1]}
	}
	if strings.Contains(msg, "Could not set lock") {
		return &LockError{Path: path}
	}
	return fmt.Errorf("open warehouse %s: %w", path, err)
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

var (
	lineCtxRe = regexp.MustCompile(`(?s)\n*LINE (\d+): ([^\n]*)\n( *)\^.*$`)
	kindRe    = regexp.MustCompile(`^([A-Za-z ]+ Error): `)
)

// AsQueryError splits a DuckDB error into class, message and position.
func AsQueryError(err error) *QueryError {
	if err == nil {
		return nil
	}
	msg := err.Error()
	qe := &QueryError{Kind: "Error", Msg: msg}
	if m := kindRe.FindStringSubmatch(msg); m != nil {
		qe.Kind = m[1]
		qe.Msg = msg[len(m[0]):]
	}
	if m := lineCtxRe.FindStringSubmatchIndex(qe.Msg); m != nil {
		line, _ := strconv.Atoi(qe.Msg[m[2]:m[3]])
		prefix := len("LINE ") + (m[3] - m[2]) + len(": ")
		snippet := qe.Msg[m[4]:m[5]]
		caret := m[7] - m[6]
		col := caret - prefix + 1
		if strings.HasPrefix(snippet, "...") {
			col = 0 // the line was cut; the column is not recoverable
		}
		qe.Line, qe.Col = line, col
		qe.Msg = strings.TrimSpace(qe.Msg[:m[0]])
	}
	return qe
}

// IsInterrupt tells whether err is DuckDB's answer to a cancelled context.
func IsInterrupt(err error) bool {
	return err != nil && (errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "INTERRUPT"))
}

// Ident quotes an SQL identifier.
func Ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Literal quotes an SQL string literal.
func Literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Qualified quotes schema.name.
func Qualified(schema, name string) string { return Ident(schema) + "." + Ident(name) }

// Driver is the database/sql driver, for packages (like golang-migrate's)
// that need one without importing duckdb-go.
func Driver() driver.Driver { return &duckdb.Driver{} }

// SerializeSQL returns DuckDB's JSON syntax tree of a query (parser only:
// nothing is bound or run).
func (db *DB) SerializeSQL(ctx context.Context, query string) (string, error) {
	var out string
	err := db.QueryRowContext(ctx, `SELECT json_serialize_sql(?::VARCHAR, skip_empty := true)::VARCHAR`, query).Scan(&out)
	return out, err
}
