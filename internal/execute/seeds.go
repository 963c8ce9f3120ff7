package execute

import (
	"context"
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// seedUnchanged is how the run history shows a seed whose file had not
// changed since the table was built from it.
const seedUnchanged = "unchanged"

// runSeed builds a seed's table from its file when the file changed (or the
// table is missing, or on --full-refresh), and otherwise leaves it as it
// is: to the incremental models downstream it then counts as brought up to
// date with no change (its change set is empty), so they need not be
// rebuilt whole.
func (b *Builder) runSeed(ctx context.Context, tx warehouse.Querier, m *project.Model, inc *incremental, exists bool) (int64, string, error) {
	sum, err := ingest.HashFile(b.Project.Resolve(m.Seed))
	if err != nil {
		return 0, "", &project.FileError{Path: m.Seed, Msg: err.Error()}
	}
	fingerprint := compile.Fingerprint(m) + ":" + sum
	st := inc.before[strings.ToLower(m.ID())]
	table := warehouse.Qualified(m.Schema, m.Name)
	if exists && !inc.full && st.LastRun != 0 && st.Fingerprint == fingerprint {
		if _, err := tx.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+compile.ChangesTable(m)+" AS SELECT * FROM "+table+" LIMIT 0"); err != nil {
			return 0, "", err
		}
		if err := inc.recordAs(ctx, tx, m, builtIncremental, fingerprint); err != nil {
			return 0, "", err
		}
		var rows int64
		err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&rows)
		return rows, seedUnchanged, err
	}
	for _, s := range compile.Statements(m) {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return 0, string(project.Table), compile.SQLError(m.Path, m.Text, compile.BodyOffset(m), err)
		}
	}
	for _, c := range compile.Comments(m) {
		if _, err := tx.ExecContext(ctx, c.SQL); err != nil {
			return 0, string(project.Table), fmt.Errorf("%s: write its description: %w", m.Seed, err)
		}
	}
	if err := inc.recordAs(ctx, tx, m, builtWhole, fingerprint); err != nil {
		return 0, "", err
	}
	var rows int64
	err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&rows)
	return rows, string(project.Table), err
}
