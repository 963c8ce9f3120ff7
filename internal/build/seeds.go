package build

import (
	"context"
	"strings"

	"github.com/digitalservices/elt/internal/build/inputs"
	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/project"
)

// seedUnchanged is how the run history shows a seed whose file had not
// changed since the table was built from it.
const seedUnchanged = "unchanged"

// seedState is a seed's fingerprint (its SQL and its file's content) and
// whether its table is up to date with it: then the build leaves the table
// as it is, and to the incremental models downstream the seed counts as
// brought up to date with no change (its change set is empty), so they
// need not be rebuilt whole. A changed file, a missing table or
// --full-refresh reads the file again.
func (b *Builder) seedState(ctx context.Context, m *project.Model, inc *incremental, exists bool) (fingerprint string, unchanged bool, err error) {
	sum, err := inputs.HashSeed(ctx, b.Project.Resolve(m.Seed))
	if err != nil {
		return "", false, &diag.FileError{Path: m.Seed, Msg: err.Error()}
	}
	fingerprint = compile.Fingerprint(m) + ":" + sum
	st := inc.before[strings.ToLower(m.ID())]
	return fingerprint, exists && !inc.full && st.LastRun != 0 && st.Fingerprint == fingerprint, nil
}
