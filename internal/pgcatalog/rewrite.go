package pgcatalog

import (
	"regexp"
	"strings"
)

// ServerVersion is the PostgreSQL version elt serve says it is: version()
// answers it, and a server sends it as server_version. psql 15 sends its
// catalog queries in the form PostgreSQL 15 reads.
const ServerVersion = "15.0"

// Rewrite turns a statement a PostgreSQL client sends into one DuckDB
// runs with the answer that client expects; ok is false when text is not
// a query it knows (the text then runs as it is). The query is one
// read-only SELECT: nothing is created, the catalog is read as it is.
//
// A SHOW of a setting clients ask for is answered; any other text is
// rewritten only when it reads PostgreSQL's catalog (pg_catalog, a pg_
// relation DuckDB lacks or answers in part, or a function of PostgreSQL's
// DuckDB lacks): the relations become SELECTs of DuckDB's catalog with the
// columns clients read, and PostgreSQL's functions, operators and casts
// DuckDB lacks become DuckDB expressions.
func Rewrite(text string) (query string, ok bool) {
	q := strings.TrimSpace(text)
	for strings.HasSuffix(q, ";") {
		q = strings.TrimSpace(strings.TrimSuffix(q, ";"))
	}
	if q == "" {
		return "", false
	}
	if a, ok := show(q); ok {
		return a, true
	}
	if replaceRelations(rewriteCalls(q)) == q && !catalogRe.MatchString(q) {
		return "", false
	}
	out := q
	for _, n := range normalisations {
		out = n.re.ReplaceAllString(out, n.to)
	}
	out = castRegclass(out)
	out = regexOperators(out)
	out = rewriteCalls(out)
	return replaceRelations(out), true
}

// catalogRe finds a query that names PostgreSQL's catalog.
var catalogRe = regexp.MustCompile(`(?i)\bpg_catalog\.`)

// normalisations are textual rewrites of PostgreSQL's syntax into
// DuckDB's, each for the clients that send it.
var normalisations = []struct {
	re *regexp.Regexp
	to string
}{
	// psql's patterns (\dt gold.*, \d name): `x OPERATOR(pg_catalog.~)
	// '^(gold)$' COLLATE pg_catalog.default`. DuckDB has one collation.
	{regexp.MustCompile(`(?i)\s+COLLATE\s+pg_catalog\.(default|"default")`), ""},
	{regexp.MustCompile(`(?i)OPERATOR\(\s*pg_catalog\.([~!*=<>]+)\s*\)`), "$1"},
	// pgjdbc and DBeaver's array probe: typinput='pg_catalog.array_in'::regproc;
	// pg_type.typinput is the function's name.
	{regexp.MustCompile(`(?i)'(?:pg_catalog\.)?(\w+)'\s*::\s*(?:pg_catalog\.)?regproc\b`), "'$1'"},
	// psql \d's footers: c.reloftype::pg_catalog.regtype, ::regnamespace.
	{regexp.MustCompile(`(?i)([\w.]+)\s*::\s*(?:pg_catalog\.)?regtype\b`), "(SELECT pg_format FROM pg_catalog.pg_type WHERE oid = $1)"},
	{regexp.MustCompile(`(?i)([\w.]+)\s*::\s*(?:pg_catalog\.)?regnamespace\b`), "(SELECT nspname FROM pg_catalog.pg_namespace WHERE oid = $1)"},
	// psql: ::pg_catalog.text, ::pg_catalog.oid ('16385'::pg_catalog.oid in
	// \d+ of a view), pg_catalog.int2[] (\d's publications); JDBC ::name.
	{regexp.MustCompile(`(?i)::\s*(?:pg_catalog\.)?(?:text|name|"char")\b`), "::VARCHAR"},
	{regexp.MustCompile(`(?i)::\s*(?:pg_catalog\.)?(?:oid|regproc)\b`), "::BIGINT"},
	{regexp.MustCompile(`(?i)::\s*(?:pg_catalog\.)?int2\b`), "::SMALLINT"},
	{regexp.MustCompile(`(?i)::\s*(?:pg_catalog\.)?int4\b`), "::INTEGER"},
	{regexp.MustCompile(`(?i)::\s*(?:pg_catalog\.)?int8\b`), "::BIGINT"},
	// psql \d's policies: pol.polroles = '{0}', an array of PostgreSQL's
	// text form, is DuckDB's list [0].
	{regexp.MustCompile(`'\{(\d+(?:,\d+)*)\}'`), "[$1]"},
}

// castRegclass turns PostgreSQL's regclass casts into the relation's name
// (an oid cast, psql \d's inheritance and partitions) or oid (a name cast,
// 'gold.t'::regclass, pgjdbc and DBeaver). Every relation is on the search
// path, so the name is the relation's own.
func castRegclass(q string) string {
	q = regclassNumberRe.ReplaceAllString(q, "CAST('$1' AS BIGINT)")
	q = regclassNameRe.ReplaceAllString(q, "(SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "+
		"WHERE c.relname = '$1' OR n.nspname || '.' || c.relname = '$1' ORDER BY c.relname = '$1' DESC LIMIT 1)")
	return regclassOIDRe.ReplaceAllString(q, "(SELECT relname FROM pg_catalog.pg_class WHERE oid = $1)")
}

var (
	regclassNumberRe = regexp.MustCompile(`(?i)'(\d+)'\s*::\s*(?:pg_catalog\.)?regclass\b`)
	regclassNameRe   = regexp.MustCompile(`(?i)'((?:[^']|'')*)'\s*::\s*(?:pg_catalog\.)?regclass\b`)
	regclassOIDRe    = regexp.MustCompile(`(?i)([\w.]+)\s*::\s*(?:pg_catalog\.)?regclass\b`)
)

// regexOperators turns PostgreSQL's regular expression operators into
// regexp_matches: PostgreSQL's ~ finds the pattern anywhere, where DuckDB's
// must match the whole text (psql \dn sends n.nspname !~ '^pg_', \dt
// n.nspname !~ '^pg_toast').
func regexOperators(q string) string {
	return regexOpRe.ReplaceAllStringFunc(q, func(m string) string {
		s := regexOpRe.FindStringSubmatch(m)
		lhs, op, pat := s[1], s[2], s[3]
		call := "regexp_matches(" + lhs + ", " + pat
		if strings.HasSuffix(op, "*") {
			call += ", 'i'"
		}
		call += ")"
		if strings.HasPrefix(op, "!") {
			return "NOT " + call
		}
		return call
	})
}

var regexOpRe = regexp.MustCompile(`([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)\s*(!~\*?|~\*?)\s*('(?:[^']|'')*')`)

// show answers the settings clients read with SHOW: pgjdbc's SHOW
// TRANSACTION ISOLATION LEVEL, Metabase's and DBeaver's search_path, and
// what a server reports at connection.
func show(q string) (string, bool) {
	m := showRe.FindStringSubmatch(q)
	if m == nil {
		return "", false
	}
	name := strings.ToLower(strings.Join(strings.Fields(m[1]), " "))
	var value, column string
	switch name {
	case "transaction isolation level", "transaction_isolation":
		value, column = "'read committed'", "transaction_isolation"
	case "search_path":
		value, column = "array_to_string("+searchPathSQL+", ', ')", "search_path"
	case "server_version":
		value, column = "'"+ServerVersion+"'", "server_version"
	case "server_version_num":
		value, column = "'150000'", "server_version_num"
	case "datestyle":
		value, column = "'ISO, MDY'", "DateStyle"
	case "timezone":
		value, column = "current_setting('TimeZone')", "TimeZone"
	case "client_encoding", "server_encoding":
		value, column = "'UTF8'", name
	case "standard_conforming_strings", "integer_datetimes":
		value, column = "'on'", name
	case "max_identifier_length":
		value, column = "'63'", name
	case "default_transaction_read_only", "transaction_read_only":
		value, column = "'on'", name
	default:
		return "", false
	}
	return "SELECT " + value + ` AS "` + column + `"`, true
}

var showRe = regexp.MustCompile(`(?is)^SHOW\s+([\w ]+)$`)

// replaceRelations replaces each reference to a relation of relations
// (pg_catalog.pg_class, or pg_class after FROM or JOIN) by its SELECT,
// under the alias the query gives it or its own name.
func replaceRelations(q string) string {
	var b strings.Builder
	last := 0
	for _, m := range relationRe.FindAllStringSubmatchIndex(q, -1) {
		name := strings.ToLower(q[m[2]:m[3]])
		sel, known := relations[name]
		if !known || (m[1] < len(q) && (q[m[1]] == '(' || q[m[1]] == '.')) {
			continue
		}
		start := m[2]
		if p := len("pg_catalog."); start >= p && strings.EqualFold(q[start-p:start], "pg_catalog.") {
			start -= p
		}
		b.WriteString(q[last:start])
		b.WriteString("(" + sel + ")")
		if !hasAlias(q[m[1]:]) {
			b.WriteString(" AS " + name)
		}
		last = m[1]
	}
	b.WriteString(q[last:])
	return b.String()
}

var relationRe = regexp.MustCompile(`(?i)(?:\b(?:FROM|JOIN)\s+|\bpg_catalog\.)(?:pg_catalog\.)?(pg_\w+)\b`)

// hasAlias tells whether the text after a relation starts with its alias.
func hasAlias(rest string) bool {
	m := aliasRe.FindStringSubmatch(rest)
	if m == nil {
		return false
	}
	if strings.EqualFold(m[1], "AS") {
		return true
	}
	switch strings.ToUpper(m[1]) {
	case "WHERE", "JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "FULL", "CROSS", "NATURAL", "ON", "USING", "ORDER", "GROUP",
		"HAVING", "LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT", "WINDOW", "FETCH", "FOR":
		return false
	}
	return true
}

var aliasRe = regexp.MustCompile(`^\s+([A-Za-z_]\w*)`)
