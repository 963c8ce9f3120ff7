package cli

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/publish"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// readBack is how DuckDB reads each Redshift type back from our Parquet.
var readBack = []struct {
	re   *regexp.Regexp
	duck string
}{
	{regexp.MustCompile(`^(VARCHAR\(\d+\)|SUPER)$`), "VARCHAR"},
	{regexp.MustCompile(`^VARBYTE\(\d+\)$`), "BLOB"},
	{regexp.MustCompile(`^REAL$`), "FLOAT"},
	{regexp.MustCompile(`^DOUBLE PRECISION$`), "DOUBLE"},
	{regexp.MustCompile(`^TIMESTAMPTZ$`), "TIMESTAMP WITH TIME ZONE"},
}

var ddlColumnRe = regexp.MustCompile(`^    ("(?:[^"]|"")*"|\S+)\s+(.+?)( NOT NULL)?( ENCODE \w+)?,?$`)

// ddlColumns parses the column lines of a generated CREATE TABLE.
func ddlColumns(t *testing.T, ddl string) (names, types []string) {
	for _, line := range strings.Split(ddl, "\n") {
		if m := ddlColumnRe.FindStringSubmatch(line); m != nil {
			names = append(names, strings.ReplaceAll(strings.Trim(m[1], `"`), `""`, `"`))
			types = append(types, m[2])
		}
	}
	if len(names) == 0 {
		t.Fatalf("no columns in DDL:\n%s", ddl)
	}
	return names, types
}

// readFiles runs a query that reads files, as DuckDB itself would (elt
// query has no access to files), against the project's warehouse opened
// read-only, and prints it as elt query --format format does.
func readFiles(t *testing.T, proj, format, query string) string {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open(ctx, filepath.Join(proj, "data", "warehouse.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	res, err := output.Read(rows, warehouse.PlainRow)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := output.Write(&b, format, res); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// checkExport reads a model's Parquet export back with DuckDB and checks
// names, order and types against its DDL, and the row count against the table.
func checkExport(t *testing.T, base []string, out, model string) {
	t.Helper()
	names, types := ddlColumns(t, mustElt(t, append(base, "ddl", "--stdout", model)...))
	schema, name, _ := strings.Cut(model, ".")
	glob := filepath.Join(out, schema, name, "parquet", "**", "*.parquet")
	js := readFiles(t, base[1], "json",
		"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('"+strings.ReplaceAll(glob, "'", "''")+"', hive_partitioning = false))")
	var cols []struct{ Column_name, Column_type string }
	if err := json.Unmarshal([]byte(js), &cols); err != nil {
		t.Fatal(err)
	}
	if len(cols) != len(names) {
		t.Fatalf("%s: Parquet has %d columns, the DDL %d", model, len(cols), len(names))
	}
	for i, c := range cols {
		want := types[i]
		for _, rb := range readBack {
			if rb.re.MatchString(want) {
				want = rb.duck
			}
		}
		if c.Column_name != names[i] || c.Column_type != want {
			t.Errorf("%s column %d: Parquet %s %s, DDL %s %s (read back as %s)", model, i+1, c.Column_name, c.Column_type, names[i], types[i], want)
		}
	}
	counts := readFiles(t, base[1], "csv",
		"SELECT (SELECT count(*) FROM read_parquet('"+strings.ReplaceAll(glob, "'", "''")+"')) = (SELECT count(*) FROM "+model+") AS same")
	if counts != "same\ntrue\n" {
		t.Errorf("%s: Parquet rows differ from the table", model)
	}
}

// TestExportMatchesDDL builds the pipeline and the all-types model and reads
// their exports back.
func TestExportMatchesDDL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "it's exported")
	proj := copyProject(t, repoRoot(t), dir)
	testutil.CopyFile(t, filepath.Join("..", "..", "testdata", "e2e", "ddl-types", "project", "models", "mart", "all_types.sql"), filepath.Join(proj, "models", "mart", "all_types.sql"))
	base := []string{"--project", proj}
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "5000", "--users", "100", "--days", "3")...)
	mustElt(t, append(base, "build")...)
	out := filepath.Join(proj, "data", "out")
	checkExport(t, base, out, "gold.user_session_analysis")
	checkExport(t, base, out, "mart.all_types")
	// Hive partitions by day, and a CSV beside the Parquet.
	days, _ := filepath.Glob(filepath.Join(out, "gold", "user_session_analysis", "parquet", "dt=2026-11-0*"))
	csvs, _ := filepath.Glob(filepath.Join(out, "gold", "user_session_analysis", "csv", "dt=*", "*.csv"))
	if len(days) != 3 || len(csvs) != 3 {
		t.Errorf("partitions: %d parquet day folders, %d csv files", len(days), len(csvs))
	}
	if _, err := os.Stat(filepath.Join(proj, "design")); err == nil {
		t.Error("build wrote design/: only elt ddl does")
	}
}

// TestKilledExportKeepsPrevious kills builds right after they publish, while
// they export: the export folder is then the previous export, whole (or, if
// the kill came after the swap, the new one, whole; never a mix), and the
// next build brings it up to date.
func TestKilledExportKeepsPrevious(t *testing.T) {
	proj := copyProject(t, repoRoot(t), t.TempDir())
	base := []string{"--project", proj}
	out := filepath.Join(proj, "data", "out")
	dir := filepath.Join(out, "gold", "user_session_analysis")
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "60000", "--users", "500", "--days", "4")...)
	mustElt(t, append(base, "build")...)
	previous := testutil.TreeHash(t, dir)
	intact := 0 // kills that left a half-written export aside and the previous one in place
	// Kill ever later after publishing, until a kill lands mid-write.
	for attempt := 0; attempt < 12 && intact == 0; attempt++ {
		mustElt(t, append(base, "generate", "--dirty", "0", "--events", "3000", "--users", "1", "--days", "4", "--seed", strconv.Itoa(10+attempt), "--batch", "k"+strconv.Itoa(attempt))...)
		delay := time.Duration(attempt*attempt*4) * time.Millisecond
		if !killAfter(t, "published run", delay, base...) {
			t.Fatal("the build never published")
		}
		now := testutil.TreeHash(t, dir)
		if now == previous {
			if half, _ := filepath.Glob(filepath.Join(out, "gold", ".user_session_analysis.tmp-*")); len(half) > 0 {
				intact++
			}
			continue
		}
		checkExport(t, base, out, "gold.user_session_analysis") // swapped in before the kill: must be whole
		previous = now
	}
	if intact == 0 {
		t.Fatal("no kill landed while an export was being written")
	}
	mustElt(t, append(base, "build")...)
	checkExport(t, base, out, "gold.user_session_analysis")
	if left, _ := filepath.Glob(filepath.Join(out, "gold", ".user_session_analysis.*")); len(left) != 0 {
		t.Fatalf("leftovers: %v", left)
	}
}

// TestExportPatchedAsWritten builds each conformance case file by file,
// and generated events in batches, with the exports, and after each build
// compares the CSV export, file by file, with the one written whole from
// the same warehouse (publish.Write): an export brought up to date by the
// records of its changed keys (publish.Patch) holds the same records. The
// generated batches are brought up to date so.
func TestExportPatchedAsWritten(t *testing.T) {
	ctx := context.Background()
	// compare builds the files in bronze into tmp/w.duckdb and tmp/out,
	// writes gold.user_session_analysis's export whole into tmp/whole and
	// compares them; it returns whether the build brought its export up
	// to date by its changed keys.
	compare := func(t *testing.T, proj, bronze, tmp string) bool {
		t.Helper()
		o := project.Overrides{Bronze: bronze, Warehouse: filepath.Join(tmp, "w.duckdb"), Output: filepath.Join(tmp, "out")}
		out := mustElt(t, "--project", proj, "--bronze", o.Bronze, "--warehouse", o.Warehouse, "--output", o.Output, "build")
		p, err := project.Load(proj, o)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(p.Models, func(m *project.Model) bool { return m.ID() == "gold.user_session_analysis" })
		db, err := warehouse.Open(ctx, o.Warehouse, warehouse.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		whole := filepath.Join(tmp, "whole")
		if err := os.RemoveAll(whole); err != nil {
			t.Fatal(err)
		}
		if _, err := publish.Write(ctx, db, p.Models[i], whole, "whole", 1); err != nil {
			t.Fatal(err)
		}
		got, want := csvExport(t, o.Output), csvExport(t, whole)
		if len(want) == 0 {
			t.Fatal("no CSV export written")
		}
		for rel, w := range want {
			if got[rel] != w {
				t.Errorf("%s: the export built incrementally holds\n%s\nwritten whole\n%s", rel, got[rel], w)
			}
		}
		for rel := range got {
			if _, ok := want[rel]; !ok {
				t.Errorf("%s: only in the export built incrementally", rel)
			}
		}
		if strings.Contains(out, "could not be brought up to date") {
			t.Errorf("a patch failed its own checks:\n%s", out)
		}
		return strings.Contains(out, "(csv: the records of ")
	}
	for _, dir := range testutil.ConformanceCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			testutil.SkipPending(t, dir)
			proj, tmp := conformanceProject(t), t.TempDir()
			bronze := filepath.Join(tmp, "bronze")
			for _, src := range []string{"events", "transactions", "users"} {
				if err := os.MkdirAll(filepath.Join(bronze, src), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			patched := 0
			for _, rel := range testutil.Arrivals(t, filepath.Join(dir, "bronze")) {
				testutil.CopyFile(t, filepath.Join(dir, "bronze", rel), filepath.Join(bronze, rel))
				if compare(t, proj, bronze, tmp) {
					patched++
				}
			}
			t.Logf("%d of the builds brought the export up to date by its changed keys", patched)
		})
	}
	t.Run("generated", func(t *testing.T) {
		// The conformance project's gate lets the generator's dirty
		// records of a small batch through.
		proj, tmp := conformanceProject(t), t.TempDir()
		mustElt(t, "--project", proj, "generate", "--events", "20000", "--users", "300", "--days", "3", "--seed", "1")
		bronze := filepath.Join(proj, "data", "bronze")
		compare(t, proj, bronze, tmp)
		model := filepath.Join(proj, "models", "gold", "user_session_analysis.sql")
		header, err := os.ReadFile(model)
		if err != nil {
			t.Fatal(err)
		}
		formats := "formats: [parquet, csv]"
		if !strings.Contains(string(header), formats) {
			t.Fatalf("no %q in the model", formats)
		}
		batch := func(i int) bool {
			mustElt(t, "--project", proj, "generate", "--events", "200", "--users", "1", "--days", "3", "--seed", strconv.Itoa(1+i), "--batch", "b"+strconv.Itoa(i))
			return compare(t, proj, bronze, tmp)
		}
		for i := 1; i <= 2; i++ {
			if !batch(i) {
				t.Fatalf("batch %d: the export was written whole", i)
			}
		}
		// Built without an export format (the header as long as before, so
		// the model's fingerprint stays and it is brought up to date), the
		// model's changes are not recorded: with the formats back, the
		// export is written whole, then patched again.
		none := "formats: []" + strings.Repeat(" ", len(formats)-len("formats: []"))
		testutil.WriteFile(t, model, strings.Replace(string(header), formats, none, 1))
		mustElt(t, "--project", proj, "generate", "--events", "200", "--users", "1", "--days", "3", "--seed", "4", "--batch", "b3")
		mustElt(t, "--project", proj, "--bronze", bronze, "--warehouse", filepath.Join(tmp, "w.duckdb"), "--output", filepath.Join(tmp, "out"), "build")
		testutil.WriteFile(t, model, string(header))
		if batch(4) {
			t.Fatal("batch 4: the export was patched, though batch 3's changes were not recorded")
		}
		if !batch(5) {
			t.Fatal("batch 5: the export was written whole")
		}
	})
}

// csvExport reads the CSV files of gold.user_session_analysis's export
// under out: by path, each file's header and then its records in order of
// their text (a record ends at a line break outside quotes).
func csvExport(t *testing.T, out string) map[string]string {
	t.Helper()
	dir := filepath.Join(out, "gold", "user_session_analysis", "csv")
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		recs, ok := testutil.CSVRecords(b)
		if !ok || len(recs) == 0 {
			t.Fatalf("%s: not whole CSV records", p)
		}
		slices.Sort(recs[1:])
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = strings.Join(recs, "")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
