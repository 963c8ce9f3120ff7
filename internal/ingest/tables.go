package ingest

import (
	"context"

	"github.com/digitalservices/elt/internal/warehouse"
)

// Tables creates the sources' bronze tables, empty, as a build creates them
// (without ingestion's macros, which only ingestion calls): for planning
// against their columns and types without loading anything.
func Tables(ctx context.Context, q warehouse.Querier, srcs []Source) error {
	for _, src := range srcs {
		if err := bronzeTable(ctx, q, src); err != nil {
			return err
		}
	}
	return nil
}
