package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	bindings "github.com/duckdb/duckdb-go-bindings"

	"github.com/digitalservices/elt/internal/diag"
)

// Statement is one SQL statement of a text, as DuckDB's parser separates
// them.
type Statement struct {
	// SQL is the statement's text, from its first character that is not
	// space or comment, without the semicolon that ends it.
	SQL string
	// Offset is where SQL starts in the text, in bytes.
	Offset int
}

// ErrMisread is a text DuckDB's parser reads as more statements than its
// semicolons separate: a semicolon it takes as part of a statement stands
// in a place elt cannot cut at (a comment that runs on past it, say).
var ErrMisread = errors.New("DuckDB reads this text as another set of statements than its semicolons separate")

// Statements separates text into statements as DuckDB's parser reads it
// (duckdb_extract_statements), never with a splitter of elt's own: a
// semicolon ends a statement only where the text before it is exactly one
// statement to DuckDB and the text after it the rest. A text DuckDB cannot
// parse is a *QueryError at the line and column it names, within text.
// Nothing is bound or run: the parser is a DuckDB of its own, in memory,
// with no access to files.
func Statements(text string) ([]Statement, error) {
	total, err := CountStatements(text)
	if err != nil {
		return nil, err
	}
	var out []Statement
	start := 0
	for i := 0; i < len(text) && len(out) < total; i++ {
		if text[i] != ';' {
			continue
		}
		if n, err := CountStatements(text[start:i]); err != nil || n != 1 {
			continue
		}
		if n, err := CountStatements(text[i+1:]); err != nil || n != total-len(out)-1 {
			continue
		}
		out = append(out, statementAt(text, start, i))
		start = i + 1
	}
	if len(out) < total {
		if n, err := CountStatements(text[start:]); err == nil && n == 1 {
			out = append(out, statementAt(text, start, len(text)))
		}
	}
	if len(out) != total {
		return nil, ErrMisread
	}
	return out, nil
}

// statementAt is the statement text[start:end], less the space and
// comments before it.
func statementAt(text string, start, end int) Statement {
	i := start
	for i < end {
		switch {
		case strings.ContainsRune(" \t\r\n\f", rune(text[i])):
			i++
		case strings.HasPrefix(text[i:end], "--"):
			j := strings.IndexByte(text[i:end], '\n')
			if j < 0 {
				return Statement{SQL: strings.TrimSpace(text[start:end]), Offset: start}
			}
			i += j + 1
		case strings.HasPrefix(text[i:end], "/*"):
			j := strings.Index(text[i+2:end], "*/")
			if j < 0 {
				return Statement{SQL: strings.TrimSpace(text[start:end]), Offset: start}
			}
			i += j + 4
		default:
			return Statement{SQL: strings.TrimRight(text[i:end], " \t\r\n\f"), Offset: i}
		}
	}
	return Statement{Offset: end}
}

// sqlParser is the DuckDB that separates statements: in memory, with no
// access to files, extensions or settings. A DuckDB connection serves one
// caller at a time.
var sqlParser struct {
	once sync.Once
	mu   sync.Mutex
	conn bindings.Connection
	err  error
}

// CountStatements is how many statements DuckDB's parser reads in text (0
// for space and comments), by duckdb_extract_statements on a DuckDB of its
// own (in memory, no access to files): nothing is bound or run. A text it
// cannot parse is a *QueryError at the line and column of the parser's LINE
// context: none at the end of the input, and one drawn by bytes where the
// text before the error holds characters of several bytes (SelectTree's
// offset is then the exact one; elt query's gate, query.Allow, takes it).
func CountStatements(text string) (int, error) {
	p := &sqlParser
	p.once.Do(func() { p.conn, p.err = openParser() })
	if p.err != nil {
		return 0, p.err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var ext bindings.ExtractedStatements
	n := bindings.ExtractStatements(p.conn, text, &ext)
	defer bindings.DestroyExtracted(&ext)
	if n == 0 {
		if msg := bindings.ExtractStatementsError(ext); msg != "" {
			// The C API gives extraction's error as text, with no type:
			// the parser is all that ran.
			msg, _ = strings.CutPrefix(msg, parserKind+": ")
			qe := &QueryError{Kind: parserKind, Msg: msg}
			qe.locate()
			return 0, qe
		}
	}
	return int(n), nil
}

func openParser() (bindings.Connection, error) {
	var conn bindings.Connection
	var cfg bindings.Config
	if bindings.CreateConfig(&cfg) == bindings.StateError {
		return conn, errors.New("DuckDB's parser: cannot create its configuration")
	}
	defer bindings.DestroyConfig(&cfg)
	for _, kv := range [][2]string{
		{"enable_external_access", "false"}, {"autoinstall_known_extensions", "false"},
		{"autoload_known_extensions", "false"}, {"threads", "1"}, {"lock_configuration", "true"},
	} {
		if bindings.SetConfig(cfg, kv[0], kv[1]) == bindings.StateError {
			return conn, fmt.Errorf("DuckDB's parser: cannot set %s", kv[0])
		}
	}
	var db bindings.Database
	var msg string
	if bindings.OpenExt(":memory:", &db, cfg, &msg) == bindings.StateError {
		return conn, fmt.Errorf("DuckDB's parser: %s", msg)
	}
	if bindings.Connect(db, &conn) == bindings.StateError {
		return conn, errors.New("DuckDB's parser: cannot connect")
	}
	return conn, nil
}

// serializeSQL asks DuckDB's parser for a text's syntax tree as JSON.
const serializeSQL = `SELECT json_serialize_sql(?::VARCHAR, skip_empty := true)::VARCHAR`

// SelectTree is DuckDB's syntax tree of text when text is exactly one query
// (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, PIVOT: what the
// parser reads as a SELECT node). Otherwise it returns a *NotQueryError: a
// text that does not parse (with DuckDB's message and the byte offset it
// names), one of another kind, or several statements.
func SelectTree(ctx context.Context, q Querier, text string) (json.RawMessage, error) {
	var out string
	err := q.QueryRowContext(ctx, serializeSQL, text).Scan(&out)
	if err != nil {
		return nil, err
	}
	var parsed struct {
		Error      bool              `json:"error"`
		Type       string            `json:"error_type"`
		Msg        string            `json:"error_message"`
		Position   json.Number       `json:"position"`
		Statements []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal([]byte(out), &parsed); err != nil {
		return nil, fmt.Errorf("read the parser's answer: %w", err)
	}
	switch {
	case parsed.Error && parsed.Type == "not implemented":
		return nil, &NotQueryError{Kind: NotSelect}
	case parsed.Error:
		pos, err := parsed.Position.Int64()
		if err != nil {
			pos = -1
		}
		return nil, &NotQueryError{Kind: Unparsed, Msg: parsed.Msg, Offset: diag.ByteOffset(text, int(pos))}
	case len(parsed.Statements) != 1:
		return nil, &NotQueryError{Kind: Several, Count: len(parsed.Statements)}
	}
	return parsed.Statements[0], nil
}

// NotQueryKind says why a text is not one query.
type NotQueryKind int

// Why a text is not one query.
const (
	// Unparsed: DuckDB's parser cannot read it.
	Unparsed NotQueryKind = iota
	// NotSelect: it holds a statement that is not a query.
	NotSelect
	// Several: it holds more than one query (or none).
	Several
)

// NotQueryError is a text that is not exactly one query.
type NotQueryError struct {
	Kind   NotQueryKind
	Msg    string // DuckDB's message, for Unparsed
	Offset int    // byte offset of the position DuckDB names, for Unparsed; -1 when none
	Count  int    // how many statements, for Several
}

func (e *NotQueryError) Error() string {
	switch e.Kind {
	case Unparsed:
		return "Parser Error: " + e.Msg
	case NotSelect:
		return "not a query: only a SELECT (or WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE) is"
	}
	if e.Count == 0 {
		return "no statement: the text holds no query"
	}
	return fmt.Sprintf("%d statements where one query is expected", e.Count)
}
