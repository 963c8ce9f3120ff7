// Package statement says what a statement a PostgreSQL client sends is,
// by its first words, for what pgwire answers itself: transaction
// control, SET and RESET of the client parameters it keeps, DEALLOCATE and
// DISCARD ALL; anything else is a query for the Backend.
package statement

import (
	"strings"

	"github.com/digitalservices/elt/internal/pgwire/pgvalue"
)

// The commands pgwire runs itself.
// Kind is what a statement is.
type Kind int

const (
	Query Kind = iota
	Begin
	Commit
	Rollback
	Set
	Deallocate // DEALLOCATE [PREPARE] name | ALL
	Discard    // DISCARD ALL
	Reset
	Empty
)

// Command is a statement classified: a query for the Session, or one of
// pgwire's own (transaction control, SET of a client parameter).
type Command struct {
	Kind        Kind
	Name, Value string // SET name = value, RESET name (lower case; "all")
}

// Classify says what a statement is, by its first words.
func Classify(q string) Command {
	words := strings.Fields(strings.ToLower(strings.TrimRight(SkipComments(q), "; \t\r\n")))
	if len(words) == 0 {
		return Command{Kind: Empty}
	}
	second := ""
	if len(words) > 1 {
		second = words[1]
	}
	switch words[0] {
	case "begin":
		return Command{Kind: Begin}
	case "start":
		if second == "transaction" {
			return Command{Kind: Begin}
		}
	case "commit", "end":
		if second != "prepared" {
			return Command{Kind: Commit}
		}
	case "rollback", "abort":
		if second != "to" && second != "prepared" {
			return Command{Kind: Rollback}
		}
	case "reset":
		if name := strings.Join(words[1:], " "); name == "all" || Params[name] != "" {
			return Command{Kind: Reset, Name: name}
		}
	case "set":
		return classifySet(q)
	case "deallocate":
		// Connection pools (pgbouncer) and drivers reset a connection so.
		name := words[1:]
		if len(name) > 0 && name[0] == "prepare" {
			name = name[1:]
		}
		if len(name) == 1 {
			return Command{Kind: Deallocate, Name: strings.Trim(name[0], `"`)}
		}
	case "discard":
		if second == "all" && len(words) == 2 {
			return Command{Kind: Discard}
		}
	}
	return Command{Kind: Query}
}

// Params are the client parameters pgwire keeps, by lower-case name:
// their name as reported and their value at the start.
var Params = map[string]string{"application_name": "application_name", "extra_float_digits": "extra_float_digits",
	"client_encoding": "client_encoding", "datestyle": "DateStyle", "timezone": "TimeZone", "search_path": "search_path",
	"statement_timeout": "statement_timeout"}

var Reported = map[string]bool{"application_name": true, "client_encoding": true, "DateStyle": true, "TimeZone": true}

var Defaults = map[string]string{"client_encoding": "UTF8", "DateStyle": "ISO, MDY", "TimeZone": "UTC",
	"extra_float_digits": "1", "search_path": `"$user", public`, "application_name": ""}

// classifySet reads SET [SESSION | LOCAL] name {TO | =} value and SET TIME
// ZONE value; a SET of another parameter is a query for the Session.
func classifySet(q string) Command {
	rest := SkipComments(q)
	rest = strings.TrimSpace(strings.TrimRight(rest[len("set"):], "; \t\n"))
	for _, w := range []string{"session ", "local "} {
		if strings.HasPrefix(strings.ToLower(rest), w) {
			rest = strings.TrimSpace(rest[len(w):])
		}
	}
	var name, value string
	if lower := strings.ToLower(rest); strings.HasPrefix(lower, "time zone") {
		name, value = "timezone", strings.TrimSpace(rest[len("time zone"):])
	} else {
		i := strings.IndexAny(rest, " \t\n=")
		if i < 0 {
			return Command{Kind: Query}
		}
		name, value = strings.ToLower(rest[:i]), strings.TrimSpace(rest[i:])
		if strings.HasPrefix(value, "=") {
			value = strings.TrimSpace(value[1:])
		} else if len(value) > 3 && strings.EqualFold(value[:3], "to ") {
			value = strings.TrimSpace(value[3:])
		} else {
			return Command{Kind: Query}
		}
	}
	name = strings.Trim(name, `"`)
	if Params[name] == "" {
		return Command{Kind: Query}
	}
	if strings.EqualFold(value, "default") {
		return Command{Kind: Reset, Name: name}
	}
	var parts []string
	for _, v := range pgvalue.SplitTop(value) {
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
			v = strings.ReplaceAll(v[1:len(v)-1], v[:1]+v[:1], v[:1])
		}
		parts = append(parts, v)
	}
	return Command{Kind: Set, Name: name, Value: strings.Join(parts, ", ")}
}

// SkipComments drops what leads q's first word: blanks, semicolons and
// comments.
func SkipComments(q string) string {
	for {
		q = strings.TrimLeft(q, " \t\r\n;")
		switch {
		case strings.HasPrefix(q, "--") && strings.Contains(q, "\n"):
			q = q[strings.IndexByte(q, '\n'):]
		case strings.HasPrefix(q, "/*") && strings.Contains(q, "*/"):
			q = q[strings.Index(q, "*/")+2:]
		case strings.HasPrefix(q, "--") || strings.HasPrefix(q, "/*"):
			return ""
		default:
			return q
		}
	}
}

// FirstWord is q's first word, its comments skipped.
func FirstWord(q string) string {
	f := strings.Fields(SkipComments(q))
	if len(f) == 0 {
		return ""
	}
	return strings.TrimRight(f[0], ";")
}
