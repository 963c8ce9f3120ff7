// Package ingest owns the way into the warehouse: it finds bronze files,
// reads each once, and loads every record either into its bronze table (with
// file and line) or into the quarantine with the data contract's reason.
// Go reads and hashes files; DuckDB splits, parses and checks in bulk.
package ingest

import (
	"embed"
	"fmt"
	"strings"
	"text/template"

	"github.com/digitalservices/elt/internal/warehouse"
)

//go:embed sql/*.sql
var sqlFS embed.FS

var tmpl = template.Must(template.ParseFS(sqlFS, "sql/*.sql"))

// Contract is a kind of record the data contract defines.
type Contract struct {
	Name string
	// Fields are the contract's field names in the order the rules read them
	// (v[1], v[2], ... in the SQL).
	Fields []string
	// Key and Order say how silver picks the winner among records with the
	// same key; the bronze columns _file and _line break ties.
	Key, Order string
}

// Contracts are the record kinds of the Digital Services data contract.
var Contracts = map[string]Contract{
	"events": {Name: "events", Key: "event_id", Order: "event_timestamp",
		Fields: []string{"event_id", "session_id", "user_id", "event_type", "event_timestamp", "properties"}},
	"transactions": {Name: "transactions", Key: "transaction_id", Order: "transaction_timestamp",
		Fields: []string{"transaction_id", "session_id", "user_id", "amount", "currency", "status", "transaction_timestamp"}},
	"users": {Name: "users", Key: "user_id", Order: "updated_at",
		Fields: []string{"user_id", "country", "device", "signup_date", "updated_at"}},
}

// render runs one of the embedded SQL templates.
func render(name string, data any) (string, error) {
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return b.String(), nil
}

// fieldNames returns the names a source's files use for the contract's
// fields, after the source's column mapping.
func fieldNames(c Contract, mapping map[string]string) []string {
	out := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		out[i] = f
		if m, ok := mapping[f]; ok && m != "" {
			out[i] = m
		}
	}
	return out
}

// sqlList renders a list of string literals, ['a', 'b'].
func sqlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = warehouse.Literal(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// jsonPath is a JSON path selecting one top-level key.
func jsonPath(key string) string {
	return `$."` + strings.ReplaceAll(strings.ReplaceAll(key, `\`, `\\`), `"`, `\"`) + `"`
}
