package query

import (
	"context"
	"errors"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Run runs one read-only statement (see Read) and reads the
// first limit rows of its result (all when limit < 0), counting the rest.
// A SQL error, a text DuckDB cannot parse included (it is never run), is
// placed at its line in text, which came from path ("query" for the
// command line).
func Run(ctx context.Context, db *warehouse.DB, path, text string, limit int) (*output.Result, error) {
	rows, err := Read(ctx, db, text)
	var ro *ReadOnlyError
	if errors.As(err, &ro) || errors.Is(err, ErrSeveralStatements) || errors.Is(err, ErrPivotValues) {
		return nil, err
	}
	if err != nil {
		return nil, queryError(path, text, err)
	}
	res, err := read(db, rows, limit)
	if err != nil {
		return nil, queryError(path, text, err)
	}
	return res, nil
}

// queryError places a query's error at its line, and says why a file
// cannot be read.
func queryError(path, text string, err error) error {
	denied := warehouse.IsPermission(err)
	err = compile.SQLError(path, text, 0, err)
	if fe, ok := errors.AsType[*diag.FileError](err); ok && denied {
		fe.Hint = "elt query reads the warehouse only: it has no access to files, so that nothing it runs can write one. " +
			"Read a file as a source (sources: in elt.yaml) or a seed (seeds/), or with `elt show` of a model that reads it"
	}
	return err
}
