package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/digitalservices/elt/internal/warehouse"
)

// The gate of elt query (and of elt show's model query): what DuckDB's
// parser reads as one query runs, on a warehouse that could not be written
// anyway; anything else is refused before it is bound or run.

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

// Read runs one read-only statement on db, once Allow has let it through;
// a text DuckDB cannot parse is refused with DuckDB's message and position
// (a *warehouse.QueryError), never run. db is the warehouse as elt query
// opens it: read-only, with no access to files (warehouse.Options.NoFiles).
func Read(ctx context.Context, db *warehouse.DB, query string) (*sql.Rows, error) {
	if err := Allow(ctx, db, query); err != nil {
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
// *warehouse.QueryError at the line and column DuckDB names. The commands
// that read also open the warehouse read-only with its configuration
// locked, and elt query with no access to files (warehouse.Options.NoFiles),
// so what the parser lets through cannot write either. q is where
// json_serialize_sql runs (the warehouse, or a connection to it).
func Allow(ctx context.Context, q warehouse.Querier, query string) error {
	_, err := Allowed(ctx, q, query)
	return err
}

// Allowed is Allow, giving the syntax tree of the query it let through
// (for an EXPLAIN, of the query explained), for a caller that judges more
// than Allow does (elt serve: the table functions called).
func Allowed(ctx context.Context, q warehouse.Querier, query string) (json.RawMessage, error) {
	switch n, err := warehouse.CountStatements(query); {
	case err != nil:
		if qe := warehouse.AsQueryError(err); qe.Line == 0 || utf8.RuneCountInString(query) != len(query) {
			// DuckDB's json_serialize_sql names an offset where the
			// extraction's message has no LINE (an end of input), and
			// the right one where text before the error holds
			// characters of several bytes: the parser's LINE context
			// then draws its caret (and may pick its line) by bytes
			// where it counted characters.
			if _, err := warehouse.SelectTree(ctx, q, query); err != nil {
				if nq, ok := errors.AsType[*warehouse.NotQueryError](err); ok && nq.Kind == warehouse.Unparsed && nq.Offset >= 0 {
					qe.Line, qe.Col = lineCol(query, nq.Offset)
				}
			}
		}
		return nil, err
	case n == 0:
		return nil, &warehouse.QueryError{Kind: "Parser Error", Msg: "the text holds no statement"}
	case n > 1 && firstKeyword(query) == "PIVOT":
		return nil, ErrPivotValues // refused either way; this says why
	case n > 1:
		return nil, ErrSeveralStatements
	}
	body, explain := explained(query)
	tree, err := warehouse.SelectTree(ctx, q, body)
	var nq *warehouse.NotQueryError
	if !errors.As(err, &nq) {
		return tree, err
	}
	switch nq.Kind {
	case warehouse.Several:
		// One statement to the parser, several to json_serialize_sql:
		// DuckDB runs a PIVOT without its values as a statement that
		// creates a type of them first, then the query.
		return nil, ErrPivotValues
	case warehouse.NotSelect:
		kind := firstKeyword(body)
		if explain {
			kind = "EXPLAIN " + kind
		}
		return nil, &ReadOnlyError{Kind: kind}
	}
	qe := &warehouse.QueryError{Kind: "Parser Error", Msg: nq.Msg}
	if nq.Offset >= 0 {
		off := len(query) - len(body) + nq.Offset
		qe.Line, qe.Col = lineCol(query, off)
	}
	return nil, qe
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
