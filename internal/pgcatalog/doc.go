// Package pgcatalog turns the catalog queries PostgreSQL clients send into
// queries DuckDB answers.
package pgcatalog
