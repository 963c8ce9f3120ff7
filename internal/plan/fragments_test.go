package plan

import (
	"context"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

// TestCheckFragment: DuckDB's parser accepts exactly one fragment of each
// kind and refuses anything that would escape where elt splices it.
func TestCheckFragment(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		kind FragmentKind
		text string
		want string // "" when accepted, else part of the error
	}{
		{Expression, "amount >= 0", ""},
		{Expression, "coalesce(a, b) BETWEEN 1 AND (SELECT 2)", ""},
		{Expression, "a > 0 -- trailing comment", ""},
		{Expression, "a, b", "holds 2 expressions"},
		{Expression, "a AS b", "not a plain expression"},
		{Expression, "*", "not a plain expression"},
		{Expression, "1 FROM t", "holds more than one expression"},
		{Expression, "1 WHERE true", "holds more than one expression"},
		{Expression, "1); DROP TABLE x; SELECT (1", "cannot parse"},
		{Expression, "1; DROP TABLE x", "not a SELECT query"},
		{Expression, "1; SELECT 2", "holds 2 statements"},
		{Expression, "a /* unclosed", "cannot parse"},
		{Expression, "  ", "empty"},
		{OrderByList, "updated_at DESC, _line DESC", ""},
		{OrderByList, "ts DESC NULLS LAST", ""},
		{OrderByList, "ts DESC) = 1; CREATE TABLE main.pwned AS SELECT 42; SELECT 1 WHERE (1", "cannot parse"},
		{OrderByList, "ts LIMIT 1", "not just an ORDER BY list"},
		{OrderByList, "ts; SELECT 2", "holds 2 statements"},
		{Query, "SELECT user_id FROM changes_silver__users", ""},
		{Query, "WITH a AS (SELECT 1) SELECT * FROM a", ""},
		{Query, "SELECT 1; SELECT 2", "holds 2 statements"},
		{Query, "SELECT 1) UNION (SELECT 2", "cannot parse"},
		{Query, "DELETE FROM t", "not a SELECT query"},
	} {
		err := CheckFragment(ctx, db, tc.kind, tc.text)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: refused: %v", tc.text, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: got %v, want an error containing %q", tc.text, err, tc.want)
		}
	}
}
