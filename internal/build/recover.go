package build

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// LostStateError stops a build whose sources' bronze tables hold records
// the file manifest does not know: elt's own tables were emptied or
// recreated (elt migrate down, the elt schema dropped) while bronze, silver
// and gold kept their data. Reading the files again as new would load their
// records twice; a full refresh re-reads them in place of what is there.
type LostStateError struct {
	Sources []LostSource
}

// LostSource is one source whose bronze table the manifest does not know.
type LostSource struct {
	Source      string
	Rows, Files int64
}

func (e *LostStateError) Error() string {
	var b strings.Builder
	b.WriteString("elt's own tables (elt.*) were emptied or recreated, by elt migrate down or by dropping them, while the warehouse kept its data:\n")
	for _, s := range e.Sources {
		fmt.Fprintf(&b, "  bronze.%s holds %d record%s of %d file%s that the file manifest (elt.files) does not know\n",
			s.Source, s.Rows, diag.Plural(int(s.Rows)), s.Files, diag.Plural(int(s.Files)))
	}
	b.WriteString("nothing was lost and nothing was published; reading those files again as new would load their records twice.\n" +
		"  run `elt build --full-refresh`: it re-reads every bronze file and rebuilds the models from them (it refuses if files are gone from bronze)")
	return b.String()
}

// checkManifests refuses a build (not a full refresh) when a source's
// bronze table holds records while the manifest knows none of its files.
func checkManifests(ctx context.Context, tx warehouse.Querier, sources []ingest.Source, load func(ingest.Source) bool) error {
	var lost []LostSource
	for _, src := range sources {
		if !load(src) {
			continue
		}
		known, err := state.KnowsFiles(ctx, tx, src.Name)
		if err != nil {
			return err
		}
		if known {
			continue
		}
		files, rows, err := bronzeFiles(ctx, tx, src)
		if err != nil {
			return err
		}
		if rows > 0 {
			lost = append(lost, LostSource{Source: src.Name, Rows: rows, Files: int64(len(files))})
		}
	}
	if len(lost) > 0 {
		return &LostStateError{Sources: lost}
	}
	return nil
}

// bronzeFiles lists, sorted, the files a source's bronze table holds
// records of, and how many records it holds; none when it has no table.
func bronzeFiles(ctx context.Context, tx warehouse.Querier, src ingest.Source) ([]string, int64, error) {
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'bronze' AND lower(table_name) = lower(?)`, src.Name).Scan(&n); err != nil || n == 0 {
		return nil, 0, err
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT _file, count(*) FROM %s GROUP BY _file", src.Table()))
	if err != nil {
		return nil, 0, fmt.Errorf("read the files of %s: %w", src.Table(), err)
	}
	defer rows.Close()
	var files []string
	var total int64
	for rows.Next() {
		var f string
		var c int64
		if err := rows.Scan(&f, &c); err != nil {
			return nil, 0, err
		}
		files = append(files, f)
		total += c
	}
	sort.Strings(files)
	return files, total, rows.Err()
}

// goneFromTable lists the files a source's bronze table holds records of
// that are not in bronze now: what a full refresh would lose when the
// manifest, which otherwise says so, is empty.
func goneFromTable(ctx context.Context, tx warehouse.Querier, src ingest.Source, have map[string]bool) ([]string, error) {
	files, _, err := bronzeFiles(ctx, tx, src)
	var gone []string
	for _, f := range files {
		if !have[f] {
			gone = append(gone, f)
		}
	}
	return gone, err
}
