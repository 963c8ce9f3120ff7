package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// errInjected is the failure a test puts in a step of the swap.
var errInjected = errors.New("injected failure")

// exportFixture is a warehouse holding gold.feat (ids 1 to 5, each with
// version v) and the folder exports go to.
type exportFixture struct {
	db     *warehouse.DB
	out    string
	model  *project.Model
	parent string // where the export and its hidden siblings live
	final  string
}

func model(t *testing.T, header string) *project.Model {
	t.Helper()
	m, err := project.ParseModel("models/gold/feat.sql", "gold", "feat", "/*\nmaterialized: table\n"+header+"*/\nSELECT 1\n", project.ModelDefaults{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// failing is gold.feat exported with a partition whose expression fails
// on every row: its COPY fails once it has begun.
func failing(t *testing.T) *project.Model {
	return model(t, "export:\n  formats: [parquet, csv]\n  partition_by:\n    - name: part\n      expr: error('no partition')\n")
}

func newExportFixture(t *testing.T) *exportFixture {
	t.Helper()
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &exportFixture{db: db, out: t.TempDir(), model: model(t, "export:\n  formats: [parquet, csv]\n")}
	f.final = Dir(f.out, f.model)
	f.parent = filepath.Dir(f.final)
	f.exec(t, "CREATE SCHEMA gold")
	f.version(t, 1)
	return f
}

func (f *exportFixture) exec(t *testing.T, q string) {
	t.Helper()
	if _, err := f.db.ExecContext(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

// version rebuilds gold.feat with every row at version v.
func (f *exportFixture) version(t *testing.T, v int) {
	t.Helper()
	f.exec(t, fmt.Sprintf("CREATE OR REPLACE TABLE gold.feat AS SELECT CAST(i AS INTEGER) AS id, %d AS v FROM range(1, 6) AS r(i)", v))
}

// published reads the export in place, each format through DuckDB, and
// returns the versions its rows hold ("" when there is no export).
func (f *exportFixture) published(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(f.final); errors.Is(err, os.ErrNotExist) {
		return ""
	}
	var got []string
	for _, r := range []string{"read_parquet(%s)", "read_csv(%s, header = true)"} {
		file := filepath.Join(f.final, "parquet", "data.parquet")
		if strings.HasPrefix(r, "read_csv") {
			file = filepath.Join(f.final, "csv", "data.csv")
		}
		var n, ids int64
		var vs string
		q := fmt.Sprintf("SELECT count(*), sum(id), string_agg(DISTINCT CAST(v AS VARCHAR), ',') FROM "+r, sqlname.Literal(file))
		if err := f.db.QueryRowContext(context.Background(), q).Scan(&n, &ids, &vs); err != nil {
			t.Fatalf("the export is not readable: %v", err)
		}
		if n != 5 || ids != 15 {
			t.Fatalf("%s holds %d rows (ids summing to %d), want ids 1 to 5", file, n, ids)
		}
		got = append(got, vs)
	}
	if got[0] != got[1] {
		t.Fatalf("parquet holds version %s, csv %s", got[0], got[1])
	}
	return got[0]
}

// leftovers are the hidden folders an export left beside itself.
func (f *exportFixture) leftovers(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(f.parent)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != filepath.Base(f.final) {
			out = append(out, e.Name())
		}
	}
	return out
}

// inject replaces the swap's file-system calls for the rest of the test:
// each call made with a path for which fail returns true fails.
func inject(t *testing.T, fail func(op, path string) bool) {
	t.Helper()
	m, r, rm := mkdirAll, rename, removeAll
	t.Cleanup(func() { mkdirAll, rename, removeAll = m, r, rm })
	mkdirAll = func(p string, perm os.FileMode) error {
		if fail("mkdir", p) {
			return errInjected
		}
		return m(p, perm)
	}
	rename = func(from, to string) error {
		if fail("rename", from+" -> "+to) {
			return errInjected
		}
		return r(from, to)
	}
	removeAll = func(p string) error {
		if fail("remove", p) {
			return errInjected
		}
		return rm(p)
	}
}

// isOld, isTmp and isFinal tell the swap's three folders apart.
func isOld(p string) bool   { return filepath.Base(p) == ".feat.old" }
func isTmp(p string) bool   { return strings.Contains(filepath.Base(p), ".feat.tmp-") }
func isFinal(p string) bool { return filepath.Base(p) == "feat" }

// TestWriteSwapFailures: an export fails at each step of writing aside and
// swapping in. After each failure the previously published export is in
// place, whole and readable (or, when even putting it back failed, put
// back by the next export before anything else), and what the failure left
// beside it is gone after the next export, which publishes the new rows.
func TestWriteSwapFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(op, path string) bool
		// the hidden folders left beside the export after the failure
		leftovers []string
		// newInPlace: the new export is whole in place although Write
		// failed (only its cleanup did); noneInPlace: no export is in
		// place, the previous one being left aside.
		newInPlace, noneInPlace bool
	}{
		{name: "the output folder cannot be made",
			fail: func(op, p string) bool { return op == "mkdir" && p == filepath.Join("OUT", "gold") }},
		{name: "writing aside fails at the second format",
			fail: func(op, p string) bool { return op == "mkdir" && isTmp(filepath.Dir(p)) && filepath.Base(p) == "csv" }},
		{name: "writing aside fails, and so does removing what was written",
			fail: func(op, p string) bool {
				return (op == "mkdir" && filepath.Base(p) == "csv") || (op == "remove" && isTmp(p))
			},
			leftovers: []string{".feat.tmp-2"}},
		{name: "an earlier export's aside folder cannot be removed",
			fail: func(op, p string) bool { return op == "remove" && isOld(p) }},
		{name: "the previous export cannot be moved aside",
			fail: func(op, p string) bool {
				from, to, _ := strings.Cut(p, " -> ")
				return op == "rename" && isFinal(from) && isOld(to)
			}},
		{name: "the new export cannot be moved in",
			fail: func(op, p string) bool { from, _, _ := strings.Cut(p, " -> "); return op == "rename" && isTmp(from) }},
		{name: "the new export cannot be moved in, nor the previous one back",
			fail: func(op, p string) bool {
				from, _, _ := strings.Cut(p, " -> ")
				return op == "rename" && (isTmp(from) || isOld(from))
			},
			noneInPlace: true, leftovers: []string{".feat.old"}},
		{name: "the previous export cannot be removed once swapped",
			fail: func() func(op, p string) bool {
				calls := 0 // the swap removes .feat.old first (absent), then last
				return func(op, p string) bool {
					if op == "remove" && isOld(p) {
						calls++
						return calls == 2
					}
					return false
				}
			}(),
			newInPlace: true, leftovers: []string{".feat.old"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t)
			if n, err := Write(ctx, f.db, f.model, f.out, "v1", 1); err != nil || n != 5 {
				t.Fatalf("first export: %d rows, %v", n, err)
			}
			if got := f.published(t); got != "1" {
				t.Fatalf("first export holds version %q", got)
			}
			f.version(t, 2)
			inject(t, func(op, p string) bool { return tc.fail(op, strings.Replace(p, f.out, "OUT", 1)) })
			_, err := Write(ctx, f.db, f.model, f.out, "v1", 2)
			if !errors.Is(err, errInjected) {
				t.Fatalf("Write: %v, want the injected failure", err)
			}
			want := "1"
			switch {
			case tc.newInPlace:
				want = "2"
			case tc.noneInPlace:
				want = ""
			}
			if got := f.published(t); got != want {
				t.Errorf("after the failure the export holds version %q, want %q", got, want)
			}
			if got := f.leftovers(t); !slices.Equal(got, tc.leftovers) {
				t.Errorf("left beside the export: %v, want %v", got, tc.leftovers)
			}

			// The next export (the file system mended) cleans up and
			// publishes; one that fails still puts back an export
			// that a cut-off swap left aside.
			mkdirAll, rename, removeAll = os.MkdirAll, os.Rename, os.RemoveAll
			if _, err := Write(ctx, f.db, failing(t), f.out, "v1", 3); err == nil || !strings.Contains(err.Error(), "no partition") {
				t.Fatalf("an export whose query fails: %v", err)
			}
			if want == "" {
				want = "1" // put back from aside
			}
			if got := f.published(t); got != want {
				t.Errorf("after a failed export the export holds version %q, want %q", got, want)
			}
			if n, err := Write(ctx, f.db, f.model, f.out, "v1", 4); err != nil || n != 5 {
				t.Fatalf("next export: %d rows, %v", n, err)
			}
			if got := f.published(t); got != "2" {
				t.Errorf("the next export holds version %q, want 2", got)
			}
			if got := f.leftovers(t); len(got) != 0 {
				t.Errorf("left beside the export after the next one: %v", got)
			}
		})
	}
}

// TestWriteRecoversCutSwap: a swap cut off between its two renames (the
// process killed) leaves the previous export aside and none in place; the
// next export puts it back first, so a failure of that export still leaves
// the previous one readable.
func TestWriteRecoversCutSwap(t *testing.T) {
	ctx := context.Background()
	f := newExportFixture(t)
	if _, err := Write(ctx, f.db, f.model, f.out, "v1", 1); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(f.final, filepath.Join(f.parent, ".feat.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(f.parent, ".feat.tmp-2", "parquet"), 0o755); err != nil {
		t.Fatal(err)
	}
	f.version(t, 2)
	if _, err := Write(ctx, f.db, failing(t), f.out, "v1", 3); err == nil {
		t.Fatal("an export whose query fails succeeded")
	}
	if got := f.published(t); got != "1" {
		t.Fatalf("after the recovery the export holds version %q, want 1", got)
	}
	if got := f.leftovers(t); len(got) != 0 {
		t.Fatalf("left beside the export: %v", got)
	}
}

// TestEmptyPartitionedExport: a partitioned export of no rows writes one
// file per format with the columns and no rows (DuckDB writes no partition
// then), so a reader's glob, and Redshift's COPY ... MANIFEST (which stops
// when it finds no file), load nothing instead of failing.
func TestEmptyPartitionedExport(t *testing.T) {
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := model(t, "export:\n  formats: [parquet, csv]\n  partition_by:\n    - name: dt\n      expr: strftime(day, '%Y-%m-%d')\n")
	for _, q := range []string{"CREATE SCHEMA gold", "CREATE TABLE gold.feat (id INTEGER, day DATE)"} {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	if rows, err := Write(context.Background(), db, m, out, "v1", 1); err != nil || rows != 0 {
		t.Fatalf("Write: %d rows, %v", rows, err)
	}
	for _, f := range []string{"parquet", "csv"} {
		path := filepath.Join(Dir(out, m), f, "data_0."+f)
		var n int64
		var cols string
		err := db.QueryRowContext(context.Background(), fmt.Sprintf("SELECT count(*), (SELECT string_agg(column_name, ',') FROM (DESCRIBE SELECT * FROM '%s')) FROM '%s'", path, path)).Scan(&n, &cols)
		if err != nil || n != 0 || cols != "id,day" {
			t.Errorf("%s: %d rows, columns %q, %v; want no rows and the columns id,day", path, n, cols, err)
		}
	}
}

// TestKeep: an export is kept only for the run its record names, written
// by the same query, options and DuckDB, with the files it lists, when its
// partition values are of each row alone; the record then names the new
// run, and what swaps left beside it is removed.
func TestKeep(t *testing.T) {
	ctx := context.Background()
	partitioned := func(expr string) func(t *testing.T, f *exportFixture) *project.Model {
		return func(t *testing.T, f *exportFixture) *project.Model {
			return model(t, "export:\n  formats: [parquet, csv]\n  partition_by:\n    - name: part\n      expr: "+expr+"\n")
		}
	}
	// after runs a statement before the build, and exports f.model.
	after := func(statement string) func(t *testing.T, f *exportFixture) *project.Model {
		return func(t *testing.T, f *exportFixture) *project.Model {
			f.exec(t, statement)
			return f.model
		}
	}
	for _, c := range []struct {
		name   string
		model  func(t *testing.T, f *exportFixture) *project.Model // the model exported, when not f.model
		since  string
		change func(t *testing.T, f *exportFixture) *project.Model // what changed since the export; the model as it is now
		kept   bool
	}{
		{"nothing changed", nil, "v1", nil, true},
		{"another run's rows", nil, "v2", nil, false},
		{"run 1 of another timeline", nil, "v1 again", nil, false},
		{"no run", nil, "", nil, false},
		{"partitioned by built-in functions", partitioned("upper(CAST(id % 2 AS VARCHAR))"), "v1", nil, true},
		{"partitioned by a macro", func(t *testing.T, f *exportFixture) *project.Model {
			f.exec(t, "CREATE MACRO bucket(x) AS x % 2")
			return partitioned("bucket(id)")(t, f)
		}, "v1", func(t *testing.T, f *exportFixture) *project.Model {
			f.exec(t, "CREATE OR REPLACE MACRO bucket(x) AS x % 3")
			return partitioned("bucket(id)")(t, f)
		}, false},
		{"partitioned by the date", partitioned("CAST(current_date AS VARCHAR) || CAST(id AS VARCHAR)"), "v1", nil, false},
		{"partitioned by the local time", partitioned("CAST(epoch_us(current_localtimestamp()) AS VARCHAR)"), "v1", nil, false},
		{"partitioned by an age", partitioned("date_part('year', age(make_timestamp(2000, 1, id, 0, 0, 0)))"), "v1", nil, false},
		{"partitioned by a variable", partitioned("getvariable('region')"), "v1", nil, false},
		{"partitioned by a setting", partitioned("current_setting('threads')"), "v1", nil, false},
		{"the folder a file", nil, "v1", func(t *testing.T, f *exportFixture) *project.Model {
			if err := os.RemoveAll(f.final); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f.final, []byte("not a folder"), 0o644); err != nil {
				t.Fatal(err)
			}
			return f.model
		}, false},
		{"partitioned by a subquery", partitioned("(SELECT max(v) FROM gold.feat)"), "v1", nil, false},
		{"partitioned since", nil, "v1", partitioned("id % 2"), false},
		{"a format fewer", nil, "v1", func(t *testing.T, f *exportFixture) *project.Model {
			return model(t, "export:\n  formats: [parquet]\n")
		}, false},
		{"a column's type changed", nil, "v1", after("CREATE OR REPLACE TABLE gold.feat AS SELECT CAST(id AS BIGINT) AS id, v FROM gold.feat"), false},
		{"a column more", nil, "v1", after("ALTER TABLE gold.feat ADD COLUMN w INTEGER"), false},
		{"another time zone", nil, "v1", after("SET TimeZone = 'America/New_York'"), false},
		{"a file rewritten", nil, "v1", func(t *testing.T, f *exportFixture) *project.Model {
			p := filepath.Join(f.final, "csv", "data.csv")
			b, _ := os.ReadFile(p)
			if err := os.WriteFile(p, append(b, "6,1\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
			return f.model
		}, false},
		{"the record unreadable", nil, "v1", func(t *testing.T, f *exportFixture) *project.Model {
			if err := os.WriteFile(filepath.Join(f.final, RecordName), []byte("{"), 0o644); err != nil {
				t.Fatal(err)
			}
			return f.model
		}, false},
		{"a swap cut off before its cleanup", nil, "v1", func(t *testing.T, f *exportFixture) *project.Model {
			for _, d := range []string{".feat.old", ".feat.tmp-7"} {
				if err := os.MkdirAll(filepath.Join(f.parent, d, "csv"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			return f.model
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newExportFixture(t)
			m := f.model
			if c.model != nil {
				m = c.model(t, f)
			}
			if _, err := Write(ctx, f.db, m, f.out, "v1", 1); err != nil {
				t.Fatal(err)
			}
			if c.change != nil {
				m = c.change(t, f)
			}
			rows, kept := Keep(ctx, f.db, m, f.out, c.since, "v5")
			if kept != c.kept {
				t.Fatalf("Keep: kept %v, want %v", kept, c.kept)
			}
			if !kept {
				return
			}
			if rows != 5 {
				t.Fatalf("kept %d rows, want 5", rows)
			}
			// The record now names v5: kept again for v5, not for v1.
			if _, again := Keep(ctx, f.db, m, f.out, "v1", "v6"); again {
				t.Fatal("kept again for the run before the one its record names now")
			}
			if _, again := Keep(ctx, f.db, m, f.out, "v5", "v6"); !again {
				t.Fatal("not kept for the run its record names")
			}
			if left := f.leftovers(t); len(left) != 0 {
				t.Fatalf("left beside the kept export: %v", left)
			}
			if m == f.model {
				if got := f.published(t); got != "1" {
					t.Fatalf("the kept export holds version %q, want 1", got)
				}
			}
		})
	}
}
