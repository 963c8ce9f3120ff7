package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestFileNotesArePrinted: what elt build says of files gone from bronze
// and of files whose content changed: the warning naming a gone file, the
// refused full refresh (exit 1), the accepted one (--accept-missing, kept
// in the run history with its command line) with the note naming the file
// re-read. What the build does with them is internal/build's
// TestGoneFilesAreNamed and TestInPlaceEditIsNoticed.
func TestFileNotesArePrinted(t *testing.T) {
	proj := t.TempDir()
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), `version: 1
sources:
  people:
    format: csv
    key: id
    fields:
      - {name: id, type: id, required: true}
      - {name: country, type: text}
`)
	testutil.WriteFile(t, filepath.Join(proj, "models", "silver", "people.sql"), "/* materialized: table */\nSELECT id, country FROM bronze.people\n")
	bronze := filepath.Join(proj, "data", "bronze", "people")
	testutil.WriteFile(t, filepath.Join(bronze, "p1.csv"), "id,country\na,US\n")
	testutil.WriteFile(t, filepath.Join(bronze, "p2.csv"), "id,country\nb,US\n")
	mustElt(t, "--project", proj, "build")

	if err := os.Remove(filepath.Join(bronze, "p1.csv")); err != nil {
		t.Fatal(err)
	}
	out := mustElt(t, "--project", proj, "build")
	if !strings.Contains(out, "warning: people: 1 ingested file gone from bronze; its records stay in silver and gold:\n    people/p1.csv") {
		t.Fatalf("build after rm:\n%s", out)
	}
	code, _, errs := elt(t, "--project", proj, "build", "--full-refresh")
	if code != ExitFailure || !strings.Contains(errs, "--full-refresh would lose the records of 1 ingested file of people that is gone from bronze") ||
		!strings.Contains(errs, "--accept-missing") {
		t.Fatalf("full refresh: exit %d\n%s", code, errs)
	}

	// p2.csv edited in place, its size and modification time kept.
	f := filepath.Join(bronze, "p2.csv")
	info, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // a later change time
	testutil.WriteFile(t, f, "id,country\nb,FR\n")
	if err := os.Chtimes(f, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	code, _, errs = elt(t, "--project", proj, "build")
	if code != ExitFailure || !strings.Contains(errs, "bronze file people/p2.csv changed after it was ingested") {
		t.Fatalf("edited in place: exit %d\n%s", code, errs)
	}
	out = mustElt(t, "--project", proj, "build", "--full-refresh", "--accept-missing")
	for _, want := range []string{
		"were dropped (--accept-missing)",
		"note: people: 1 file re-read with content that changed since it was first ingested:\n    people/p2.csv",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("accepted full refresh lacks %q:\n%s", want, out)
		}
	}
	runs := mustElt(t, "--project", proj, "query", "--format", "csv", "SELECT args FROM elt.runs WHERE args LIKE '%accept-missing%'")
	if runs != "args\n--project "+proj+" build --full-refresh --accept-missing\n" {
		t.Fatalf("run history: %q", runs)
	}
}
