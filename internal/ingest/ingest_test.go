package ingest

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/ingest/discover"
	"github.com/digitalservices/elt/internal/ingest/read"
	"github.com/digitalservices/elt/internal/ingest/rules"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// sources are the conformance project's declared sources under bronze.
func sources(t *testing.T, bronze string) []Source {
	t.Helper()
	cfg, err := project.LoadConfig(filepath.Join(testutil.RepoRoot(t), "testdata", "conformance"))
	if err != nil {
		t.Fatal(err)
	}
	return Declared(cfg, bronze)
}

// memTx opens a migrated in-memory warehouse and a transaction on it, both
// closed when the test ends.
func memTx(t *testing.T) *sql.Tx { return threadsTx(t, 0) }

// threadsTx is memTx with DuckDB on threads threads (0: one per core).
func threadsTx(t *testing.T, threads int) *sql.Tx {
	t.Helper()
	tx, _ := connTx(t, threads)
	return tx
}

// connTx is threadsTx, and the connection the transaction is on (for
// Options.Conn: a stream as Arrow record batches).
func connTx(t *testing.T, threads int) (*sql.Tx, *sql.Conn) {
	t.Helper()
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: threads})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := state.Migrate(db.DB); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	tx, err := conn.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	return tx, conn
}

// TestConformanceQuarantine ingests each conformance case and compares the
// quarantine with expected/quarantine.csv, with small batches and NDJSON
// read in small chunks so that their edges fall everywhere.
func TestConformanceQuarantine(t *testing.T) {
	defer func(n int) { read.ChunkBytes = n }(read.ChunkBytes)
	read.ChunkBytes = 97
	for _, dir := range testutil.ConformanceCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			testutil.SkipPending(t, dir)
			ctx := context.Background()
			tx := memTx(t)
			for _, src := range sources(t, filepath.Join(dir, "bronze")) {
				files, err := discover.Discover(context.Background(), src.Folder())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Ingest(ctx, tx, src, files.Files, Options{RunID: 1, BatchBytes: 4096}); err != nil {
					t.Fatal(err)
				}
			}
			rows, err := tx.Query(`SELECT source, file, line::VARCHAR, reason FROM silver.quarantine ORDER BY file, line`)
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for rows.Next() {
				r := make([]string, 4)
				rows.Scan(&r[0], &r[1], &r[2], &r[3])
				got = append(got, r)
			}
			f, _ := os.Open(filepath.Join(dir, "expected", "quarantine.csv"))
			want, _ := csv.NewReader(f).ReadAll()
			f.Close()
			g := []string{strings.Join(want[0], ",")}
			for _, r := range got {
				g = append(g, strings.Join(r, ","))
			}
			w := make([]string, len(want))
			for i, r := range want {
				w[i] = strings.Join(r, ",")
			}
			if strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Errorf("quarantine differs\n got:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
			// Each keeps its raw text (bytes not UTF-8 as U+FFFD): a piece of its file holding no line
			// break but those inside a CSV record's quotes.
			raws, err := tx.Query(`SELECT file, line, raw FROM silver.quarantine`)
			if err != nil {
				t.Fatal(err)
			}
			for raws.Next() {
				var file string
				var line int64
				var raw sql.NullString
				raws.Scan(&file, &line, &raw)
				text, _ := os.ReadFile(filepath.Join(dir, "bronze", filepath.FromSlash(file)))
				if !raw.Valid || raw.String == "" || !strings.Contains(strings.ToValidUTF8(string(text), "\uFFFD"), raw.String) ||
					(strings.HasSuffix(file, ".json") && strings.ContainsAny(raw.String, "\r\n")) {
					t.Errorf("%s:%d: raw %q is not its text", file, line, raw.String)
				}
			}
			raws.Close()
		})
	}
}

// TestCSVWithoutRequiredColumn quarantines every record of a CSV whose
// header lacks a required column as missing_<column>, and still reads the
// file's neighbours.
func TestCSVWithoutRequiredColumn(t *testing.T) {
	ctx := context.Background()
	bronze := t.TempDir()
	dir := filepath.Join(bronze, "transactions", "dt=2026-11-01")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("transaction_id,session_id,user_id,currency,transaction_timestamp\nt1,s1,u1,USD,2026-11-01 10:00:00\nt2,s1,,EUR,2026-11-01 11:00:00\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.csv"), []byte("transaction_id,session_id,amount,currency,transaction_timestamp\nt3,s2,1.50,usd,1793733758000\n"), 0o644)
	tx := memTx(t)
	src := sources(t, bronze)[1]
	files, err := discover.Discover(context.Background(), src.Folder())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Ingest(ctx, tx, src, files.Files, Options{RunID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 3 || res.Quarantined != 2 {
		t.Fatalf("records %d quarantined %d", res.Records, res.Quarantined)
	}
	var got string
	tx.QueryRow(`SELECT string_agg(file || ':' || line || ':' || reason, ' ' ORDER BY file, line) FROM silver.quarantine`).Scan(&got)
	if got != "transactions/dt=2026-11-01/a.csv:2:missing_amount transactions/dt=2026-11-01/a.csv:3:missing_amount" {
		t.Fatalf("quarantine: %s", got)
	}
	var row string
	tx.QueryRow(`SELECT transaction_id || ' ' || amount || ' ' || currency || ' ' || status || ' ' || transaction_timestamp FROM bronze.transactions`).Scan(&row)
	if row != "t3 1.50 USD completed 2026-11-03 19:22:38" {
		t.Fatalf("loaded row: %s", row)
	}
}

// TestProgress: ingestion reports the records and the bytes it has taken,
// never going back, ending at every byte of the files it read (a file it
// only hashes, touched since, counts too) and at the records it read.
func TestProgress(t *testing.T) {
	defer func(n int) { read.ChunkBytes = n }(read.ChunkBytes)
	read.ChunkBytes = 97
	ctx := context.Background()
	tx := memTx(t)
	bronze := filepath.Join(t.TempDir(), "bronze")
	if err := os.CopyFS(bronze, os.DirFS(filepath.Join(testutil.ConformanceCases(t)[0], "bronze"))); err != nil {
		t.Fatal(err)
	}
	ingest := func(src Source) (Result, []Progress, int64) {
		files, err := discover.Discover(context.Background(), src.Folder())
		if err != nil {
			t.Fatal(err)
		}
		var size int64
		for _, f := range files.Files {
			size += f.Size
		}
		var seen []Progress
		res, err := Ingest(ctx, tx, src, files.Files, Options{RunID: 1, BatchBytes: 4096, Progress: func(p Progress) { seen = append(seen, p) }})
		if err != nil {
			t.Fatal(err)
		}
		return res, seen, size
	}
	for _, src := range sources(t, bronze) {
		res, seen, size := ingest(src)
		if len(seen) < 2 {
			t.Fatalf("%s: progress %v, want a report a piece", src.Name, seen)
		}
		for i, p := range seen {
			if p.TotalBytes != size || (i > 0 && (p.Bytes < seen[i-1].Bytes || p.Records < seen[i-1].Records)) {
				t.Fatalf("%s: progress %v: total %d bytes, never going back", src.Name, seen, size)
			}
		}
		if last := seen[len(seen)-1]; last.Bytes != size || last.Records != res.Records || last.Percent() != 100 {
			t.Errorf("%s: ends at %+v (%v%%), want %d bytes and %d records", src.Name, last, last.Percent(), size, res.Records)
		}
		// Touched, not changed: hashed again, its bytes counted, no records.
		files, _ := discover.Discover(context.Background(), src.Folder())
		later := time.Now().Add(time.Hour)
		if err := os.Chtimes(files.Files[0].Abs, later, later); err != nil {
			t.Fatal(err)
		}
		_, seen, _ = ingest(src)
		if last := seen[len(seen)-1]; last.Bytes != files.Files[0].Size || last.TotalBytes != files.Files[0].Size || last.Records != 0 {
			t.Errorf("%s: a touched file: %+v, want its %d bytes and no records", src.Name, last, files.Files[0].Size)
		}
		if _, seen, _ = ingest(src); len(seen) != 0 {
			t.Errorf("%s: nothing to read, yet progress %v", src.Name, seen)
		}
	}
	if p := (Progress{}); p.Percent() != -1 {
		t.Errorf("nothing to read: %v%%, want -1", p.Percent())
	}
}

// TestRawJSON: an NDJSON json field's value is the same JSON whichever way
// the records reach DuckDB: through elt_frame (where its cast to JSON
// checks it) or as Arrow (where its JSON as written is taken unchecked):
// objects, arrays, booleans and integers as written; other numbers as
// DuckDB reads them; a string as a JSON string of its value (escapes
// decoded, then written again); JSON null or no key as NULL. With a
// default, a record without a value has the default as a JSON string.
func TestRawJSON(t *testing.T) {
	bronze := t.TempDir()
	dir := filepath.Join(bronze, "events", "dt=2026-11-01")
	os.MkdirAll(dir, 0o755)
	props := []struct{ in, want string }{
		{`{"a": 1, "b": [true, null]}`, `{"a": 1, "b": [true, null]}`},
		{`{ "k" : [ 1 , 2 ] }`, `{ "k" : [ 1 , 2 ] }`},
		{`{}`, `{}`},
		{`[1, "x"]`, `[1, "x"]`},
		{`true`, `true`},
		{`false`, `false`},
		{`42`, `42`},
		{`-7`, `-7`},
		{`18446744073709551615`, `18446744073709551615`},
		{`1.50`, `1.5`},
		{`1e2`, `100.0`},
		{`-0`, `0`},
		{`"text"`, `"text"`},
		{`"a\"b\u00e9"`, `"a\"bé"`},
		{`""`, `""`},
		{`null`, `NULL`},
		{``, `NULL`}, // no properties key
	}
	var lines strings.Builder
	for i, p := range props {
		value := ""
		if p.in != "" {
			value = `, "properties": ` + p.in
		}
		fmt.Fprintf(&lines, `{"event_id": "e%02d", "session_id": "s1", "event_type": "click", "event_timestamp": "2026-11-01T10:00:00Z"%s}`+"\n", i, value)
	}
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(lines.String()), 0o644)
	src := sources(t, bronze)[0]
	files, err := discover.Discover(context.Background(), src.Folder())
	if err != nil {
		t.Fatal(err)
	}
	withDefault := src
	withDefault.Fields = slices.Clone(src.Fields)
	def := `{"d": 1}`
	withDefault.Fields[5].Default = &def
	for _, tc := range []struct {
		name string
		src  Source
		none string // what a record without a value has
	}{{"no default", src, "NULL"}, {"a default", withDefault, `"{\"d\": 1}"`}} {
		for _, arrow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, on the connection: %t", tc.name, arrow), func(t *testing.T) {
				if tc.src.Fields[5].Name != "properties" || !slices.Equal(rules.Marks(tc.src.Source), []read.Mark{0, 0, 0, 0, read.Stamped, read.RawJSON}) {
					t.Fatalf("the conformance events' fields are %v", tc.src.Fields)
				}
				tx, conn := connTx(t, 2)
				o := Options{RunID: 1}
				if arrow {
					o.Conn = conn
				}
				if res, err := Ingest(context.Background(), tx, tc.src, files.Files, o); err != nil || res.Records != int64(len(props)) || res.Quarantined != 0 {
					t.Fatalf("%+v, %v", res, err)
				}
				rows, err := tx.Query(`SELECT coalesce(properties::VARCHAR, 'NULL'), typeof(properties) FROM bronze.events ORDER BY event_id`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				for i := 0; rows.Next(); i++ {
					var got, typ string
					rows.Scan(&got, &typ)
					want := props[i].want
					if want == "NULL" {
						want = tc.none
					}
					if got != want || typ != "JSON" {
						t.Errorf("properties %s: %s (%s), want %s (JSON)", props[i].in, got, typ, want)
					}
				}
			})
		}
	}
}
