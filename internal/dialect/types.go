// Package dialect translates DuckDB SQL into the SQL of another engine
// (PostgreSQL, Amazon Redshift) from DuckDB's own syntax tree of it
// (json_serialize_sql), so a project's models are written once, in
// DuckDB SQL, and built where its target says.
//
// The printer and the rewrites of whole queries are here; dialect/fn holds
// the engines and how each writes DuckDB's functions and types, dialect/tree reads
// DuckDB's syntax tree and resolves its names.
package dialect

import "github.com/digitalservices/elt/internal/dialect/fn"

// Engine is an SQL engine a target can build in besides the embedded
// DuckDB.
type Engine = fn.Engine

// The engines elt translates models for.
const (
	Postgres = fn.Postgres
	Redshift = fn.Redshift
)

// Engines lists the engines a target may name, in the order errors list
// them.
var Engines = fn.Engines

// Known tells whether e is an engine elt builds in.
func Known(e Engine) bool { return e == Postgres || e == Redshift }

// Type returns the engine's name for a DuckDB type (fn.Type).
func Type(duck string, e Engine) (string, error) { return fn.Type(duck, e) }
