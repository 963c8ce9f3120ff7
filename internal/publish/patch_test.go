package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/testutil"
)

// exported is an export's files as read back: each CSV file's header,
// then its records in order of their text; each Parquet file's rows, in
// order, as text. info is each file as found (to tell a linked file).
type exported struct {
	text map[string]string
	info map[string]os.FileInfo
}

func readExport(t *testing.T, f *exportFixture, dir string) exported {
	t.Helper()
	rels, err := lake.LocalFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := exported{text: map[string]string{}, info: map[string]os.FileInfo{}}
	for _, rel := range rels {
		if rel == RecordName {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		e.info[rel] = info
		if strings.HasSuffix(rel, ".parquet") {
			var s string
			if err := f.db.QueryRowContext(context.Background(), "SELECT string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR)) FROM read_parquet("+literal(p)+") AS t").Scan(&s); err != nil {
				t.Fatal(err)
			}
			e.text[rel] = s
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		recs, _ := testutil.CSVRecords(b)
		if len(recs) == 0 {
			t.Fatalf("%s: no header", rel)
		}
		slices.Sort(recs[1:])
		e.text[rel] = strings.Join(recs, "")
	}
	return e
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestPatch: an export brought up to date by the changed keys' records
// holds what one written whole holds, file by file, and links the files
// whose rows did not change; when it does not apply it leaves the export
// as it was.
func TestPatch(t *testing.T) {
	ctx := context.Background()
	partitioned := "unique_key: k\nexport:\n  formats: [parquet, csv]\n  partition_by:\n    - name: part\n      expr: g\n"
	// Ten keys in five partitions, by g; text that CSV quotes, a NULL and
	// an empty string among the values.
	base := `CREATE OR REPLACE TABLE gold.feat AS SELECT k, g, v, note FROM (VALUES
		('1', 'a', 1, 'plain'), ('2', 'a', 1, 'with, comma'), ('3', 'b', 1, 'with "quote"'), ('4', 'b', 1, E'two\nlines'),
		('x,y', 'c', 1, NULL), ('5', 'c', 1, ''), ('"q"', 'd', 1, 'q'), (E'l\nm', 'd', 1, 'lm'), ('9', 'e', 1, 'e'), ('10', 'e', 1, 'e')
	) AS t(k, g, v, note)`
	for _, c := range []struct {
		name   string
		header string
		change string   // the statement that changes the rows
		keys   []string // the keys it changed, as text
		linked []string // the partitions whose CSV file is linked, not written
		patch  bool
	}{
		{"a row updated", partitioned, "UPDATE gold.feat SET v = 2 WHERE k = '3'", []string{"3"}, []string{"a", "c", "d", "e"}, true},
		{"a row moved to another partition", partitioned, "UPDATE gold.feat SET g = 'a' WHERE k = '9'", []string{"9"}, []string{"b", "c", "d"}, true},
		{"a partition emptied", partitioned, "DELETE FROM gold.feat WHERE g = 'e'", []string{"9", "10"}, []string{"a", "b", "c", "d"}, true},
		{"a partition made", partitioned, "INSERT INTO gold.feat VALUES ('11', 'f', 1, 'f')", []string{"11"}, []string{"a", "b", "c", "d", "e"}, true},
		{"quoted keys", partitioned, "UPDATE gold.feat SET v = 3 WHERE k IN ('x,y', E'l\\nm')", []string{"x,y", "l\nm"}, []string{"a", "b", "e"}, true},
		{"a key with quotes", partitioned, "UPDATE gold.feat SET v = 3 WHERE k = '\"q\"'", []string{`"q"`}, []string{"a", "b", "c", "e"}, true},
		{"a key gone and one new", partitioned, "DELETE FROM gold.feat WHERE k = '2'; INSERT INTO gold.feat VALUES ('12', 'a', 1, 'new')", []string{"2", "12"}, []string{"b", "c", "d", "e"}, true},
		{"an empty key", partitioned, "INSERT INTO gold.feat VALUES ('', 'b', 1, 'empty')", []string{""}, []string{"a", "c", "d", "e"}, true},
		{"one file", "unique_key: k\nexport:\n  formats: [csv]\n", "UPDATE gold.feat SET v = 2 WHERE k = '4'", []string{"4"}, nil, true},
		{"nothing changed", partitioned, "", nil, []string{"a", "b", "c", "d", "e"}, true},
		{"too many keys", partitioned, "UPDATE gold.feat SET v = 2 WHERE k < '4'", []string{"1", "10", "2", "3"}, nil, false},
		{"no csv", "unique_key: k\nexport:\n  formats: [parquet]\n", "UPDATE gold.feat SET v = 2 WHERE k = '3'", []string{"3"}, nil, false},
		{"no unique key", strings.TrimPrefix(partitioned, "unique_key: k\n"), "UPDATE gold.feat SET v = 2 WHERE k = '3'", []string{"3"}, nil, false},
		{"a key of another type", partitioned, "CREATE OR REPLACE TABLE gold.feat AS SELECT CAST(k AS BLOB) AS k, g, v, note FROM gold.feat", []string{"1"}, nil, false},
		{"a change not told", partitioned, "DELETE FROM gold.feat WHERE k = '4'", []string{"3"}, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newExportFixture(t)
			f.exec(t, base)
			m := model(t, c.header)
			if _, err := Write(ctx, f.db, m, f.out, "v1", 1); err != nil {
				t.Fatal(err)
			}
			before := readExport(t, f, f.final)
			if c.change != "" {
				f.exec(t, c.change)
			}
			ch := Changes{Since: "v1", Keys: int64(len(c.keys)), Query: "SELECT '' AS key WHERE false"}
			var query []string
			for _, k := range c.keys {
				query = append(query, "SELECT "+literal(k)+" AS key")
			}
			if len(query) > 0 {
				ch.Query = strings.Join(query, " UNION ALL ")
			}
			rows, patched, err := Patch(ctx, f.db, m, f.out, ch, "v2", 2)
			if c.name == "a change not told" {
				// Its lines count one row more than the model has.
				if !errors.Is(err, errPatchCount) {
					t.Fatalf("error %v, want %v", err, errPatchCount)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if patched != c.patch {
				t.Fatalf("patched %v, want %v", patched, c.patch)
			}
			if left := f.leftovers(t); len(left) != 0 {
				t.Fatalf("left beside the export: %v", left)
			}
			got := readExport(t, f, f.final)
			if !patched {
				for rel, info := range before.info {
					if now, ok := got.info[rel]; !ok || !os.SameFile(now, info) || now.ModTime() != info.ModTime() {
						t.Fatalf("%s changed, though the export was not patched", rel)
					}
				}
				return
			}
			var want int64
			if err := f.db.QueryRowContext(ctx, "SELECT count(*) FROM gold.feat").Scan(&want); err != nil {
				t.Fatal(err)
			}
			if rows != want {
				t.Fatalf("%d rows, want %d", rows, want)
			}
			// The same rows written whole, elsewhere.
			out := t.TempDir()
			if _, err := Write(ctx, f.db, m, out, "v2", 3); err != nil {
				t.Fatal(err)
			}
			whole := readExport(t, f, Dir(out, m))
			if !reflect.DeepEqual(got.text, whole.text) {
				t.Fatalf("patched:\n%q\nwritten whole:\n%q", got.text, whole.text)
			}
			for _, g := range c.linked {
				rel := "csv/part=" + g + "/data_0.csv"
				if !os.SameFile(got.info[rel], before.info[rel]) {
					t.Errorf("%s was written again, not linked", rel)
				}
			}
			// Its record lists its files as they are.
			if _, kept := Keep(ctx, f.db, m, f.out, "v2", "v3"); !kept {
				t.Fatal("the patched export's record does not hold")
			}
		})
	}
}
