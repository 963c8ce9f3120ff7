// Package pgcatalog turns the catalog queries PostgreSQL clients send
// (psql's \dt, \dn, \d, \l; JDBC's type lookups and SHOWs) into one
// read-only SELECT DuckDB answers from its own catalog, for elt serve.
// It imports nothing of elt's; its tests run psql 15's captured texts
// (testdata/psql, as psql -E printed them) in a real DuckDB.
package pgcatalog
