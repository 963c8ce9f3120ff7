package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestGenerateAndBuildOnS3: elt generate --out s3://... uploads the same
// files a local generate writes (same seed), refuses to overwrite them,
// and elt build --bronze s3://... builds the same gold as the local build;
// elt ls shows the sources at their s3:// address.
func TestGenerateAndBuildOnS3(t *testing.T) {
	testutil.StartS3(t, "lake-generate")
	proj := copyProject(t, repoRoot(t), t.TempDir())
	local := filepath.Join(t.TempDir(), "bronze")
	args := []string{"--events", "3000", "--users", "60", "--days", "2", "--seed", "7"}
	mustElt(t, append([]string{"--project", proj, "generate", "--out", local}, args...)...)
	mustElt(t, append([]string{"--project", proj, "generate", "--out", "s3://lake-generate/bronze"}, args...)...)
	if code, _, stderr := elt(t, append([]string{"--project", proj, "generate", "--out", "s3://lake-generate/bronze"}, args...)...); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("generating over existing objects: exit %d, %s", code, stderr)
	}
	gold := func(bronze string) string {
		wh := filepath.Join(t.TempDir(), "w.duckdb")
		mustElt(t, "--project", proj, "--bronze", bronze, "--warehouse", wh, "--output", filepath.Join(t.TempDir(), "out"), "build")
		return mustElt(t, "--project", proj, "--warehouse", wh, "query", "--format", "csv",
			"SELECT count(*), sum(hash(COLUMNS(*))) FROM gold.user_session_analysis")
	}
	if l, s := gold(local), gold("s3://lake-generate/bronze"); l != s {
		t.Fatalf("gold from S3 differs from the local build's:\nlocal %s\ns3    %s", l, s)
	}
	ls := mustElt(t, "--project", proj, "--bronze", "s3://lake-generate/bronze", "ls")
	if !strings.Contains(ls, "s3://lake-generate/bronze/events") {
		t.Fatalf("elt ls does not show the S3 source:\n%s", ls)
	}
}

// TestDocsWithOutputOnS3: the docs site is a local page: with the output
// on S3, elt docs asks for --out (a usage error), and writes it there.
func TestDocsWithOutputOnS3(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	code, _, stderr := elt(t, "--project", proj, "--output", "s3://lake-docs/out", "docs")
	if code != 2 || !strings.Contains(stderr, "pass --out DIR") {
		t.Fatalf("elt docs with the output on S3: exit %d, %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "site")
	mustElt(t, "--project", proj, "--output", "s3://lake-docs/out", "docs", "--out", out)
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Fatal(err)
	}
}
