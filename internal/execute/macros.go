package execute

import (
	"context"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/starter"
	"github.com/digitalservices/elt/internal/warehouse"
)

// CreateMacros creates the project's macros (macros/*.sql) on q, in file
// order, so models, checks and later queries can call them; they are kept
// in the warehouse. A failing statement is reported at its file and line.
func CreateMacros(ctx context.Context, q warehouse.Querier, macros []project.Macro) error {
	for _, m := range macros {
		for _, st := range m.Statements {
			if _, err := q.ExecContext(ctx, st.SQL); err != nil {
				qe := warehouse.AsQueryError(err)
				line, col := st.Line, 1
				if qe.Line > 0 {
					line, col = st.Line+qe.Line-1, qe.Col
					if qe.Line == 1 && col > 6+st.Shift {
						col -= st.Shift
					}
				}
				return project.At(m.Path, m.Text, line, col, "%s: %s", qe.Kind, qe.Msg)
			}
		}
	}
	return nil
}

// Init writes the starter project into dir (elt init) and returns the
// files written.
func Init(dir string) ([]string, error) { return starter.Write(dir) }
