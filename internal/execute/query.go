package execute

import (
	"context"
	"errors"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Query runs one read-only statement (see warehouse.DB.Read) and reads the
// first limit rows of its result (all when limit < 0), counting the rest.
// A SQL error, a text DuckDB cannot parse included (it is never run), is
// placed at its line in text, which came from path ("query" for the
// command line).
func Query(ctx context.Context, db *warehouse.DB, path, text string, limit int) (*output.Result, error) {
	rows, err := db.Read(ctx, text)
	var ro *warehouse.ReadOnlyError
	if errors.As(err, &ro) || errors.Is(err, warehouse.ErrSeveralStatements) {
		return nil, err
	}
	if err != nil {
		return nil, compile.SQLError(path, text, 0, err)
	}
	res, err := output.ReadLimit(rows, limit)
	if err != nil {
		return nil, compile.SQLError(path, text, 0, err)
	}
	return res, nil
}
