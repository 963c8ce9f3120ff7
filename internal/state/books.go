package state

import (
	"context"
	"fmt"

	"github.com/digitalservices/elt/internal/warehouse"
)

// Books are the tables ingestion records what it read in: the file
// manifest and the quarantine. A build writes to PublishedBooks, except while it
// stages a source's first load or full refresh: then to StagedBooks, temporary
// tables of the build's connection, which PublishStaged copies into the
// published ones in the build's last transaction. A build killed before
// that leaves nothing of them: they go with its connection.
type Books struct{ files, quarantine string }

var (
	// PublishedBooks are elt.files and silver.quarantine.
	PublishedBooks = Books{files: "elt.files", quarantine: QuarantineTable}
	// StagedBooks are a staging build's own (see StageBooks).
	StagedBooks = Books{files: "temp.main.elt_staged_files", quarantine: "temp.main.elt_staged_quarantine"}
)

// StageBooks makes the connection's StagedBooks, empty, with the columns
// of the published ones.
func StageBooks(ctx context.Context, q warehouse.Querier) error {
	_, err := q.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE elt_staged_files AS SELECT * FROM %s LIMIT 0;
		CREATE OR REPLACE TEMP TABLE elt_staged_quarantine AS SELECT * FROM %s LIMIT 0`, PublishedBooks.files, PublishedBooks.quarantine))
	if err != nil {
		return fmt.Errorf("stage the manifest and the quarantine: %w", err)
	}
	return nil
}

// PublishStaged forgets what the manifest and the quarantine held of the
// sources staged (their full refresh, or first load), adds what the StagedBooks
// books hold in their place, and drops the StagedBooks.
func PublishStaged(ctx context.Context, q warehouse.Querier, sources []string) error {
	for _, src := range sources {
		if err := Forget(ctx, q, src); err != nil {
			return err
		}
	}
	_, err := q.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s SELECT * FROM %s;
		INSERT INTO %s SELECT * FROM %s ORDER BY file, line`, PublishedBooks.files, StagedBooks.files, PublishedBooks.quarantine, StagedBooks.quarantine))
	if err != nil {
		return fmt.Errorf("publish the staged manifest and quarantine: %w", err)
	}
	return DropStagedBooks(ctx, q)
}

// DropStagedBooks drops the connection's StagedBooks, if it has them.
func DropStagedBooks(ctx context.Context, q warehouse.Querier) error {
	_, err := q.ExecContext(ctx, "DROP TABLE IF EXISTS "+StagedBooks.files+"; DROP TABLE IF EXISTS "+StagedBooks.quarantine)
	return err
}
