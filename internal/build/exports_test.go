package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/publish"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// exportFunc is what a Builder's Export is.
type exportFunc = func(context.Context, *warehouse.DB, *project.Project, *plan.Graph, []string, int64, string, map[string]string, event.Reporter) error

// failingExport is an export that fails with err, as one cut off after
// the build's commit.
func failingExport(err error) exportFunc {
	return func(context.Context, *warehouse.DB, *project.Project, *plan.Graph, []string, int64, string, map[string]string, event.Reporter) error {
		return err
	}
}

// exportBuild runs one build of p with export as its exports (publish.Exports
// when nil) and returns the build's error and its export events.
func exportBuild(t *testing.T, p *project.Project, export exportFunc) ([]event.ExportWritten, error) {
	t.Helper()
	_, written, err := exportBuildWith(t, p, export, Options{})
	return written, err
}

// exportBuildWith is exportBuild with the build's options o, returning its
// summary too.
func exportBuildWith(t *testing.T, p *project.Project, export exportFunc, o Options) (*Summary, []event.ExportWritten, error) {
	t.Helper()
	db, err := state.Open(context.Background(), p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if export == nil {
		export = publish.Exporter{}.Exports
	}
	var written []event.ExportWritten
	b := &Builder{Project: p, DB: db, Export: export, Events: event.Func(func(e event.Event) {
		if w, ok := e.(event.ExportWritten); ok {
			written = append(written, w)
		}
	})}
	sum, err := b.Run(context.Background(), o)
	return sum, written, err
}

// TestUnchangedExportKept: a build that leaves gold's rows as they were
// keeps its export (no file written again, the record moved to the new
// run); new rows, a published build whose export failed, or an export file
// touched, removed or added since, write it again.
func TestUnchangedExportKept(t *testing.T) {
	p := generatedProject(t, gen.Options{Events: 1500, Users: 30, Days: 2})
	dir := publish.Dir(p.Resolve(p.Config.Paths.Output), loadModel(t, p, "gold.user_session_analysis"))
	record := func() (version string) {
		t.Helper()
		var r struct{ Version string }
		b, err := os.ReadFile(filepath.Join(dir, publish.RecordName))
		if err != nil || json.Unmarshal(b, &r) != nil {
			t.Fatalf("export record: %v", err)
		}
		return r.Version
	}
	kept := func(step string, want bool, err error, written []event.ExportWritten) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if len(written) != 1 || written[0].Model != "gold.user_session_analysis" || written[0].Kept != want || written[0].Rows == 0 {
			t.Fatalf("%s: export events %+v, want one of gold.user_session_analysis with Kept %v", step, written, want)
		}
	}
	written, err := exportBuild(t, p, nil)
	kept("first build", false, err, written)
	rows := written[0].Rows
	before := testutil.TreeHash(t, filepath.Join(dir, "parquet")) + testutil.TreeHash(t, filepath.Join(dir, "csv"))
	stamps := fileTimes(t, dir)

	written, err = exportBuild(t, p, nil)
	kept("a build with nothing new", true, err, written)
	if written[0].Rows != rows || !strings.HasPrefix(record(), "run 2, started ") {
		t.Fatalf("kept export: %d rows (want %d), record of %q (want run 2)", written[0].Rows, rows, record())
	}
	if after := fileTimes(t, dir); !equalTimes(stamps, after) {
		t.Fatal("a kept export's files were written again")
	}

	// New rows: written again, with the new rows.
	if _, err := gen.Generate(gen.Options{Events: 300, Users: 30, Days: 2, Seed: 1, Batch: "b", Out: p.Resolve(p.Config.Paths.Bronze)}); err != nil {
		t.Fatal(err)
	}
	failing := errors.New("the disk is full")
	fail := failingExport(failing)
	_, err = exportBuild(t, p, fail)
	if !errors.Is(err, failing) {
		t.Fatalf("build with a failing export: %v", err)
	}
	// The build above was published, its export failed: the files still
	// hold the rows of run 2, so this build, which changes no row, writes
	// them again.
	written, err = exportBuild(t, p, nil)
	kept("after a published build whose export failed", false, err, written)
	if want := queryProject(t, p, "SELECT count(*) AS n FROM gold.user_session_analysis"); want != fmt.Sprintf("n\n%d\n", written[0].Rows) {
		t.Fatalf("export after new rows: %d rows, gold holds %q", written[0].Rows, want)
	}
	if testutil.TreeHash(t, filepath.Join(dir, "parquet"))+testutil.TreeHash(t, filepath.Join(dir, "csv")) == before {
		t.Fatal("the export did not change with gold's rows")
	}

	for _, c := range []struct {
		name   string
		change func(t *testing.T)
	}{
		{"a file touched", func(t *testing.T) {
			f := firstFile(t, filepath.Join(dir, "csv"))
			info, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(f, info.ModTime(), info.ModTime().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
		}},
		{"a file removed", func(t *testing.T) { os.Remove(firstFile(t, filepath.Join(dir, "parquet"))) }},
		{"a file added", func(t *testing.T) { testutil.WriteFile(t, filepath.Join(dir, "csv", "extra.csv"), "x\n") }},
		{"the record removed", func(t *testing.T) { os.Remove(filepath.Join(dir, publish.RecordName)) }},
	} {
		written, err := exportBuild(t, p, nil)
		kept("before "+c.name, true, err, written)
		c.change(t)
		written, err = exportBuild(t, p, nil)
		kept(c.name, false, err, written)
		if _, err := os.Stat(filepath.Join(dir, "csv", "extra.csv")); err == nil {
			t.Fatalf("%s: the export written again kept a file it did not write", c.name)
		}
	}

	// The warehouse restored from a copy made before batch c was built,
	// batch d built in it under the run id batch c's build had, that
	// build's export cut off after its commit: the export in place, whose
	// record names that run id of the lost timeline, is written again.
	wh := p.Resolve(p.Config.Paths.Warehouse)
	testutil.CopyFile(t, wh, wh+".copy")
	if _, err := gen.Generate(gen.Options{Events: 300, Users: 30, Days: 2, Seed: 2, Batch: "c", Out: p.Resolve(p.Config.Paths.Bronze)}); err != nil {
		t.Fatal(err)
	}
	written, err = exportBuild(t, p, nil)
	kept("batch c", false, err, written)
	os.Remove(wh)
	testutil.CopyFile(t, wh+".copy", wh)
	if _, err := gen.Generate(gen.Options{Events: 300, Users: 30, Days: 2, Seed: 3, Batch: "d", Out: p.Resolve(p.Config.Paths.Bronze)}); err != nil {
		t.Fatal(err)
	}
	// Batch c is of the lost timeline: its files go.
	lost, _ := filepath.Glob(filepath.Join(p.Resolve(p.Config.Paths.Bronze), "*", "*", "part-c-*"))
	if len(lost) == 0 {
		t.Fatal("no file of batch c")
	}
	for _, f := range lost {
		os.Remove(f)
	}
	if _, err = exportBuild(t, p, fail); !errors.Is(err, failing) {
		t.Fatalf("the restored warehouse's build: %v", err)
	}
	written, err = exportBuild(t, p, nil)
	kept("the restored warehouse", false, err, written)
}

// TestExportAfterMaterializationSwitch: gold alone built as a table
// (another body, its export cut off after the commit), then incremental again with
// its first body: it is rebuilt whole, not merged into the table's rows
// as if it had stayed incremental, and its export is written.
func TestExportAfterMaterializationSwitch(t *testing.T) {
	p := generatedProject(t, gen.Options{Events: 1500, Users: 30, Days: 2})
	if _, err := exportBuild(t, p, nil); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(p.Dir, "models", "gold", "user_session_analysis.sql")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	orig := string(b)
	head, body, _ := strings.Cut(orig, "*/\n")
	head = strings.Replace(head, "materialized: incremental", "materialized: table", 1)
	testutil.WriteFile(t, file, head+"*/\nSELECT * FROM (\n"+body+"\n) WHERE total_events > 1\n")
	failing := errors.New("killed after the commit")
	_, _, err = exportBuildWith(t, loadProject(t, p.Dir, "", ""), failingExport(failing), Options{Select: []string{"gold.user_session_analysis"}})
	if !errors.Is(err, failing) {
		t.Fatalf("the build as a table: %v", err)
	}
	testutil.WriteFile(t, file, orig)
	p = loadProject(t, p.Dir, "", "")
	sum, written, err := exportBuildWith(t, p, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := built(sum)["gold.user_session_analysis"]; got != "full" {
		t.Fatalf("incremental again after a table build: built %q, want full", got)
	}
	if len(written) != 1 || written[0].Kept {
		t.Fatalf("export events %+v, want gold's written", written)
	}
	if got := queryProject(t, p, "SELECT count(*) FILTER (WHERE total_events = 1) > 0 AS ok FROM gold.user_session_analysis"); got != "ok\ntrue\n" {
		t.Fatalf("gold kept the table build's rows: %q", got)
	}
}

// loadModel is model id of p.
func loadModel(t *testing.T, p *project.Project, id string) *project.Model {
	t.Helper()
	for _, m := range p.Models {
		if m.ID() == id {
			return m
		}
	}
	t.Fatalf("no model %s", id)
	return nil
}

// fileTimes are the modification times of the files under dir but the
// export's record, by path.
func fileTimes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == publish.RecordName {
			return err
		}
		info, err := d.Info()
		if err == nil {
			out[path] = info.ModTime().UnixNano()
		}
		return err
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("files under %s: %v (%d)", dir, err, len(out))
	}
	return out
}

func equalTimes(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// firstFile is a file under dir.
func firstFile(t *testing.T, dir string) string {
	t.Helper()
	var found string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && found == "" {
			found = path
		}
		return err
	})
	if found == "" {
		t.Fatalf("no file under %s", dir)
	}
	return found
}
