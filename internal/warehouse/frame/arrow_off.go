//go:build !duckdb_arrow

package frame

import (
	"context"
	"database/sql"
	"errors"
)

// Arrow tells whether this elt hands streams to DuckDB as Arrow record
// batches (ShareStreamOn): built with the duckdb_arrow tag, under which
// duckdb-go has Arrow; make builds it so.
const Arrow = false

func shareArrow(context.Context, *sql.Conn, *Frame, Stream) (string, func() error, error) {
	return "", nil, errors.New("elt is built without Arrow (the duckdb_arrow build tag)")
}
