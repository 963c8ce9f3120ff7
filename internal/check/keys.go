package check

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// KeyChecked tells whether a model's header has blocking unique and
// not_null checks of its unique_key column (a NULL key is a value to a
// merge: two NULL keys are a duplicate).
func KeyChecked(m *project.Model) bool {
	var unique, notNull bool
	for _, c := range m.Checks() {
		if c.Severity == contract.Error && strings.EqualFold(c.Column, m.Header.UniqueKey) {
			unique = unique || c.Kind == "unique"
			notNull = notNull || c.Kind == "not_null"
		}
	}
	return unique && notNull
}

// DuplicateKeys fails an incremental model's build when the rows it just
// computed (what says which; query lists them, see compile.DuplicateKeys) share a
// unique_key value: a merge keeps one row per key, so the rows would be
// lost on the next increment (or now, on this one), and a full refresh
// would give other rows than the increments. The error stands at the
// header's unique_key, names the first keys with their row counts, and
// ends with then (what stopped: "the build stopped there, nothing was
// published").
func DuplicateKeys(ctx context.Context, tx warehouse.Querier, m *project.Model, what, then, query string) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: check unique_key %s: %w", m.Path, m.Header.UniqueKey, err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k sql.NullString
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		shown := "NULL"
		if k.Valid {
			if r := []rune(k.String); len(r) > 60 {
				k.String = string(r[:60]) + "…"
			}
			shown = sqlname.Literal(k.String)
		}
		keys = append(keys, fmt.Sprintf("%s (%d rows)", shown, n))
	}
	if err := rows.Err(); err != nil || len(keys) == 0 {
		return err
	}
	if len(keys) > 5 {
		keys = append(keys[:5], "…")
	}
	fe := m.HeaderError([]string{"unique_key"}, "unique_key %s is not unique in %s of %s: %s; %s",
		m.Header.UniqueKey, what, m.ID(), strings.Join(keys, ", "), then)
	fe.Hint = fmt.Sprintf("an incremental model keeps one row per %[1]s: make its query return one row per %[1]s (e.g. QUALIFY row_number() OVER (PARTITION BY %[1]s ORDER BY ...) = 1), or set unique_key to a column that is unique", m.Header.UniqueKey)
	return fe
}
