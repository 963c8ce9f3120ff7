package compile

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestHeaderFragmentsAreChecked: an order_by that is not one ORDER BY list
// (a statement smuggled in, a LIMIT) is an error at its line in the
// repository's silver/users.sql; a trailing comment is fine, the fragment
// ending at the line break. internal/build checks that such a header
// fails a build before anything runs (TestInjectedOrderByRunsNothing).
func TestHeaderFragmentsAreChecked(t *testing.T) {
	root := testutil.RepoRoot(t)
	dir := t.TempDir()
	testutil.CopyFile(t, filepath.Join(root, "elt.yaml"), filepath.Join(dir, "elt.yaml"))
	for _, rel := range []string{"silver/users.sql", "silver/events.sql", "silver/transactions.sql"} {
		testutil.CopyFile(t, filepath.Join(root, "models", rel), filepath.Join(dir, "models", rel))
	}
	path := filepath.Join(dir, "models", "silver", "users.sql")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(orig)
	inject := `ts DESC) = 1; CREATE TABLE main.pwned AS SELECT 42; SELECT 1 WHERE (1`
	i := strings.Index(text, "order_by:")
	if i < 0 {
		t.Fatal("silver/users.sql has no order_by")
	}
	end := i + strings.IndexByte(text[i:], '\n')
	line := strings.Count(text[:i], "\n") + 1
	for _, tc := range []struct{ header, want string }{
		{"order_by: \"" + inject + "\"", "order_by \"" + inject + "\" is not one ORDER BY list"},
		{"order_by: updated_at DESC LIMIT 1", `order_by "updated_at DESC LIMIT 1" is not one ORDER BY list`},
		{"order_by: updated_at --", ""}, // a comment is fine: the fragment ends at a line break
	} {
		testutil.WriteFile(t, path, text[:i]+tc.header+text[end:])
		_, _, err := Load(context.Background(), dir, project.Overrides{})
		if tc.want == "" {
			if err != nil {
				t.Fatalf("%s: %v", tc.header, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "models/silver/users.sql:"+strconv.Itoa(line)+":") || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: got %v, want %q at line %d", tc.header, err, tc.want, line)
		}
	}
}
