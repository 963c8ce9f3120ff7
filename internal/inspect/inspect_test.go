package inspect

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestSelectionIsAUsageError: a selection naming no model is a
// UsageError (cli's exit 2), told only once the project loaded; one that
// names a model prints its statements.
func TestSelectionIsAUsageError(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "one.sql"), "/* materialized: table */\nSELECT 1 AS id\n")
	for _, tc := range []struct {
		models []string
		usage  bool
		out    string
	}{
		{[]string{"gold.nope"}, true, ""},
		{[]string{"gold.one"}, false, "-- gold.one (table) from models/gold/one.sql\n"},
		{nil, false, "CREATE OR REPLACE TABLE"},
	} {
		var w bytes.Buffer
		var told *project.Project
		err := Compile(ctx, dir, project.Overrides{}, tc.models, func(p *project.Project) { told = p }, &w)
		var ue *UsageError
		if got := errors.As(err, &ue); got != tc.usage {
			t.Errorf("%v: error %v, want a usage error: %v", tc.models, err, tc.usage)
		}
		if told == nil {
			t.Errorf("%v: loaded was not told the project", tc.models)
		}
		if !strings.Contains(w.String(), tc.out) {
			t.Errorf("%v: printed\n%s\nwant %q in it", tc.models, w.String(), tc.out)
		}
	}
}

// TestDDLFilesCheckedAndWritten: StaleDDL names the files missing or
// different on disk, WriteDDL writes them (saying each), after which none
// is stale.
func TestDDLFilesCheckedAndWritten(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) DDLFile {
		return DDLFile{Path: filepath.Join(dir, "design", name), Rel: "design/" + name, Text: text}
	}
	same, changed, missing := file("a.sql", "CREATE TABLE a;\n"), file("b.sql", "CREATE TABLE b (x INT);\n"), file("c.sql", "CREATE TABLE c;\n")
	testutil.WriteFile(t, same.Path, same.Text)
	testutil.WriteFile(t, changed.Path, "CREATE TABLE b;\n")
	files := []DDLFile{same, changed, missing}
	if got, want := StaleDDL(files), []string{"design/b.sql", "design/c.sql"}; !slices.Equal(got, want) {
		t.Errorf("stale %q, want %q", got, want)
	}
	var w bytes.Buffer
	if err := WriteDDL(files, &w); err != nil {
		t.Fatal(err)
	}
	if got, want := w.String(), "wrote design/a.sql\nwrote design/b.sql\nwrote design/c.sql\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
	if stale := StaleDDL(files); len(stale) > 0 {
		t.Errorf("stale after writing: %q", stale)
	}
	if b, err := os.ReadFile(changed.Path); err != nil || string(b) != changed.Text {
		t.Errorf("%s holds %q (%v)", changed.Rel, b, err)
	}
}

func TestTestedFailure(t *testing.T) {
	for _, tc := range []struct {
		t    Tested
		want string
	}{
		{Tested{Ran: 3}, ""},
		{Tested{UnitFailed: 1}, "1 unit test failed"},
		{Tested{Blocking: 2}, "2 blocking checks failed"},
		{Tested{UnitFailed: 2, Blocking: 1}, "2 unit tests failed; 1 blocking check failed"},
	} {
		if got := tc.t.Failure(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.t, got, tc.want)
		}
	}
}
