package state

import (
	"context"

	"github.com/digitalservices/elt/internal/warehouse"
)

// KnowsFiles says whether the file manifest records any file of a source.
func KnowsFiles(ctx context.Context, q warehouse.Querier, source string) (bool, error) {
	var known bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM elt.files WHERE source = ?) OR EXISTS (SELECT 1 FROM elt.stream_batches WHERE source = ?)`, source, source).Scan(&known)
	return known, err
}
