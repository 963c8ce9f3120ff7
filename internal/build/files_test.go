package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/build/inputs"
	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// builtProject is the repository's project with a little generated bronze,
// built once.
func builtProject(t *testing.T) *project.Project {
	t.Helper()
	p := generatedProject(t, gen.Options{Events: 1500, Users: 40, Days: 2})
	mustBuild(t, p, Options{})
	return p
}

// ingested is what the build read of source.
func ingested(t *testing.T, sum *Summary, source string) ingest.Result {
	t.Helper()
	for _, r := range sum.Ingest {
		if r.Source == source {
			return r
		}
	}
	t.Fatalf("no ingestion of %s in %+v", source, sum.Ingest)
	return ingest.Result{}
}

// TestGoneFilesAreNamed: an ingested file removed from bronze is named by
// the next build; a full refresh refuses to drop its records unless told to
// (AcceptMissing), which the run history keeps.
func TestGoneFilesAreNamed(t *testing.T) {
	p := builtProject(t)
	gone := filepath.Join(p.Resolve(p.Config.Paths.Bronze), "events", "dt=2026-11-01", "part-0001.json")
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	sum := mustBuild(t, p, Options{})
	if got := ingested(t, sum, "events").Missing; !slices.Equal(got, []string{"events/dt=2026-11-01/part-0001.json"}) {
		t.Fatalf("missing after rm: %q", got)
	}
	counts := func() string {
		db, err := state.Open(context.Background(), p, state.ReadOnly)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return queryCSV(t, db, "SELECT (SELECT count(*) FROM bronze.events), (SELECT count(*) FROM gold.user_session_analysis), (SELECT count(*) FROM elt.files)")
	}
	before := counts()
	db, err := state.Open(context.Background(), p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{Project: p, DB: db}
	_, err = b.Run(context.Background(), Options{FullRefresh: true})
	db.Close()
	if me, ok := errors.AsType[*inputs.MissingFilesError](err); !ok || me.Source != "events" || len(me.Files) != 1 ||
		!strings.Contains(err.Error(), "--full-refresh would lose the records of 1 ingested file of events that is gone from bronze") ||
		!strings.Contains(err.Error(), "--accept-missing") {
		t.Fatalf("full refresh: got %v", err)
	}
	if counts() != before {
		t.Fatal("a refused full refresh changed the warehouse")
	}
	args := "--project x build --full-refresh --accept-missing"
	sum = mustBuild(t, p, Options{FullRefresh: true, AcceptMissing: true, Args: args})
	if got := ingested(t, sum, "events").Missing; len(got) != 1 || counts() == before {
		t.Fatalf("accepted full refresh: missing %q, counts %s", got, counts())
	}
	db, err = state.Open(context.Background(), p, state.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if runs := queryCSV(t, db, "SELECT args FROM elt.runs WHERE args LIKE '%accept-missing%'"); runs != "args\n"+args+"\n" {
		t.Fatalf("run history: %q", runs)
	}
}

// TestInPlaceEditIsNoticed: a file rewritten with its size and
// modification time kept (as cp -p, rsync -a or touch -r leave it) is hashed
// again and refused; a copy with the same bytes is accepted; a full refresh
// re-reads the new content and names the file that changed.
func TestInPlaceEditIsNoticed(t *testing.T) {
	p := builtProject(t)
	f := filepath.Join(p.Resolve(p.Config.Paths.Bronze), "users", "dt=2026-10-31", "part-0001.csv")
	info, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	// The same bytes through a new inode (rsync -a): not a change.
	tmp := f + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, f); err != nil {
		t.Fatal(err)
	}
	mustBuild(t, p, Options{})
	// Other bytes, same size and modification time.
	edited := []byte(string(data))
	i := strings.LastIndex(string(edited), "US")
	copy(edited[i:], "FR")
	time.Sleep(10 * time.Millisecond) // a later change time
	if err := os.WriteFile(f, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(f, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	db, err := state.Open(context.Background(), p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{Project: p, DB: db}
	_, err = b.Run(context.Background(), Options{})
	db.Close()
	if err == nil || !strings.Contains(err.Error(), "bronze file users/dt=2026-10-31/part-0001.csv changed after it was ingested") {
		t.Fatalf("edited in place: got %v", err)
	}
	sum := mustBuild(t, p, Options{FullRefresh: true})
	if got := ingested(t, sum, "users").Changed; !slices.Equal(got, []string{"users/dt=2026-10-31/part-0001.csv"}) {
		t.Fatalf("full refresh: changed %q", got)
	}
}

// TestLegacyFingerprints: a manifest written before fingerprints were
// XXH3 holds the bare sha256 of each file. Such a file is fingerprinted in
// sha256 again, so touching it reads nothing and editing it in place stops
// the build; a new file gets XXH3; a full refresh names only the file that
// changed, and keeps every file in XXH3.
func TestLegacyFingerprints(t *testing.T) {
	ctx := context.Background()
	p := builtProject(t)
	bronze := p.Resolve(p.Config.Paths.Bronze)
	db, err := state.Open(ctx, p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, "SELECT file FROM elt.files")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for rows.Next() {
		var f string
		rows.Scan(&f)
		files = append(files, f)
	}
	rows.Close()
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(bronze, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if _, err := db.ExecContext(ctx, "UPDATE elt.files SET fingerprint = ? WHERE file = ?", hex.EncodeToString(sum[:]), f); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	kinds := func() string {
		return queryProject(t, p, "SELECT CASE WHEN fingerprint LIKE 'xxh3:%' THEN 'xxh3' ELSE 'sha256' END AS kind, count(*) AS n FROM elt.files GROUP BY ALL ORDER BY kind")
	}
	legacy := fmt.Sprintf("kind,n\nsha256,%d\n", len(files))
	if got := kinds(); got != legacy {
		t.Fatalf("the manifest after the update: %q", got)
	}
	f := filepath.Join(bronze, "users", "dt=2026-10-31", "part-0001.csv")
	future := time.Now().Add(time.Hour)
	os.Chtimes(f, future, future)
	if r := ingested(t, mustBuild(t, p, Options{}), "users"); r.Files != 0 {
		t.Fatalf("a touched file of a legacy manifest was read again: %+v", r)
	}
	testutil.WriteFile(t, filepath.Join(bronze, "users", "dt=2026-12-01", "part-0001.csv"), "user_id,country,device,signup_date,updated_at\nu999999,PE,web,2025-01-01,2026-01-01T00:00:00Z\n")
	mustBuild(t, p, Options{})
	if got, want := kinds(), legacy+"xxh3,1\n"; got != want {
		t.Fatalf("after a new file: %q, want %q", got, want)
	}
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, f, string(data)+"u999998,PE,web,2025-01-01,2026-01-01T00:00:00Z\n")
	db, err = state.Open(ctx, p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&Builder{Project: p, DB: db}).Run(ctx, Options{})
	db.Close()
	if ce, ok := errors.AsType[*ingest.ChangedError](err); !ok || ce.File != "users/dt=2026-10-31/part-0001.csv" || len(ce.Was) != 64 || len(ce.Now) != 64 {
		t.Fatalf("edited in place: got %v, want a ChangedError in sha256", err)
	}
	// A full refresh compares each file in its old kind (only the edited
	// one changed) and keeps every file in XXH3.
	for _, src := range []string{"events", "transactions", "users"} {
		want := map[string][]string{"users": {"users/dt=2026-10-31/part-0001.csv"}}[src]
		if r := ingested(t, mustBuild(t, p, Options{FullRefresh: true, Select: []string{"silver." + src}}), src); !slices.Equal(r.Changed, want) || r.Files == 0 {
			t.Fatalf("full refresh of %s: %d files read, changed %q, want %q", src, r.Files, r.Changed, want)
		}
	}
	if got, want := kinds(), fmt.Sprintf("kind,n\nxxh3,%d\n", len(files)+1); got != want {
		t.Fatalf("after a full refresh: %q, want %q", got, want)
	}
}
