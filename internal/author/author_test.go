package author

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestInferSources: without --write the entries come back and elt.yaml is
// as it was (NoSourcesKey while it has no sources:); with it they are
// merged in, its comment kept, and the project loads with the source.
func TestInferSources(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	config := "# my project\nversion: 1\n"
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), config)
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "things", "a.json"), "{\"id\": \"x1\", \"n\": 1}\n{\"id\": \"x2\", \"n\": 2}\n")
	things := filepath.Join(dir, "data", "bronze", "things")
	for _, write := range []bool{false, true} {
		s, err := InferSources(ctx, dir, "", []string{things}, write)
		if err != nil {
			t.Fatalf("write %v: %v", write, err)
		}
		if !slices.Equal(s.Names, []string{"things"}) || s.Written != write || s.NoSourcesKey == write || !strings.Contains(s.Block, "things:") {
			t.Errorf("write %v: %+v", write, s)
		}
		b, err := os.ReadFile(filepath.Join(dir, "elt.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(b); (got == config) == write || !strings.HasPrefix(got, "# my project\n") {
			t.Errorf("write %v: elt.yaml is\n%s", write, got)
		}
	}
	p, err := project.Load(dir, project.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Config.Sources["things"]; !ok {
		t.Errorf("sources after --write: %v", p.Config.SourceNames())
	}
}

// TestInferWriteNeedsAProject: --write without an elt.yaml says so and
// writes nothing.
func TestInferWriteNeedsAProject(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "things", "a.json"), "{\"id\": 1}\n")
	_, err := InferSources(context.Background(), dir, "", []string{filepath.Join(dir, "things")}, true)
	if err == nil || !strings.Contains(err.Error(), "no elt.yaml") {
		t.Errorf("got %v, want no elt.yaml", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "elt.yaml")); !os.IsNotExist(err) {
		t.Errorf("elt.yaml written: %v", err)
	}
}
