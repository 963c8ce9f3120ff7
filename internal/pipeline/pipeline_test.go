package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestBuildIsGivenItsSteps: the build pipeline.Build runs has what the
// build package is given as functions: the headers' check before anything
// runs, the project's macros, and the exports after the commit.
func TestBuildIsGivenItsSteps(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, header string
		fails        string // in the build's error; "" when it passes
		exported     bool
	}{
		{"macro and export", "materialized: table\nexport:\n  formats: [csv]\n", "", true},
		{"header checked", "materialized: table\ncolumns:\n  - name: nope\n", "nope", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\n")
			testutil.WriteFile(t, filepath.Join(dir, "macros", "m.sql"), "CREATE MACRO plus1(x) AS x + 1;\n")
			testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "one.sql"), "/*\n"+tc.header+"*/\nSELECT plus1(1) AS two\n")
			p, err := project.Load(dir, project.Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			var rec event.Recorder
			sum, err := Build(ctx, p, Options{}, Progress{Events: &rec})
			switch {
			case tc.fails == "" && err != nil:
				t.Fatalf("build: %v\n%v", err, rec.Events())
			case tc.fails != "" && (err == nil || !strings.Contains(err.Error(), tc.fails)):
				t.Fatalf("build: got %v, want an error naming %q", err, tc.fails)
			}
			if tc.fails == "" && len(sum.Models) != 1 {
				t.Errorf("built %d models, want 1", len(sum.Models))
			}
			exports, _ := filepath.Glob(filepath.Join(p.Resolve(p.Config.Paths.Output), "*", "*"))
			if got := len(exports) > 0; got != tc.exported {
				t.Errorf("exports %v, want written: %v\n%v", exports, tc.exported, rec.Events())
			}
			exportedEvent := slices.ContainsFunc(rec.Events(), func(e event.Event) bool {
				x, ok := e.(event.ExportWritten)
				return ok && x.Model == "gold.one" && x.Rows == 1
			})
			if exportedEvent != tc.exported {
				t.Errorf("export_written of gold.one reported: %v, want %v\n%v", exportedEvent, tc.exported, rec.Events())
			}
		})
	}
}

// TestMigrateDown reverts one migration, then the rest, naming the tables
// each drops; the version follows.
func TestMigrateDown(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\n")
	p, err := project.Load(dir, project.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenMigrator(ctx, p, "down"); err == nil || !strings.Contains(err.Error(), "no warehouse") {
		t.Fatalf("down before any warehouse: %v", err)
	}
	m, closeDB, err := OpenMigrator(ctx, p, "up")
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	latest := LatestMigration()
	var dropped []string
	for _, step := range []struct {
		steps int
		all   bool
		want  uint
	}{{1, false, latest - 1}, {0, true, 0}} {
		d, err := MigrateDown(m, step.steps, step.all)
		if err != nil {
			t.Fatalf("down %+v: %v", step, err)
		}
		dropped = append(dropped, d...)
		if v, _, err := m.Version(); err != nil || v != step.want {
			t.Errorf("down %+v: version %d (%v), want %d", step, v, err, step.want)
		}
	}
	if !strings.Contains(strings.Join(dropped, " "), "elt.") {
		t.Errorf("dropped %q, want the tool's own tables", dropped)
	}
	if _, err := os.Stat(p.Resolve(p.Config.Paths.Warehouse)); err != nil {
		t.Errorf("the warehouse file: %v", err)
	}
}
