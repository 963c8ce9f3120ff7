package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/digitalservices/elt/internal/warehouse/frame"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/ingest/discover"
	"github.com/digitalservices/elt/internal/ingest/read"
)

// TestStreamedStatements ingests the same dirty events, in hundreds of
// small files, once as they come and then with the limits of a streamed
// statement tiny: pieces of a few lines, a batch a piece (so two tokens
// for the readers) or of pieces of several files, a statement ending
// every file, every few files or every few rejected records (a batch
// carried to the next), and one to four DuckDB threads for the scan's
// hand-offs. Each loads the same rows to bronze and sets the same records
// aside with their raw text, and every record is in one or the other.
func TestStreamedStatements(t *testing.T) {
	stuck := time.AfterFunc(6*time.Minute, func() {
		panic("TestStreamedStatements is stuck: the scan of a stream and the readers wait for each other")
	})
	defer stuck.Stop()
	bronze := t.TempDir()
	if _, err := gen.Generate(gen.Options{Events: 4000, Users: 40, Days: 2, Seed: 7, Dirty: 0.3, Out: bronze}); err != nil {
		t.Fatal(err)
	}
	// Every events file cut into files of 13 lines.
	events := filepath.Join(bronze, "events")
	files, _ := filepath.Glob(filepath.Join(events, "*", "*.json"))
	lines := 0
	for _, f := range files {
		text, _ := os.ReadFile(f)
		os.Remove(f)
		parts := bytes.SplitAfter(text, []byte("\n"))
		for i := 0; i < len(parts); i += 13 {
			os.WriteFile(fmt.Sprintf("%s-%04d.json", strings.TrimSuffix(f, ".json"), i/13), bytes.Join(parts[i:min(i+13, len(parts))], nil), 0o644)
		}
		lines += bytes.Count(text, []byte("\n"))
	}
	src := sources(t, bronze)[0]
	found, err := discover.Discover(context.Background(), src.Folder())
	if err != nil || len(found.Files) < 200 {
		t.Fatalf("%d files (%v), want hundreds", len(found.Files), err)
	}
	load := func(threads int, o Options, arrow bool) (Result, []string) {
		tx, conn := connTx(t, threads)
		if arrow {
			o.Conn = conn
		}
		var trace strings.Builder
		o.Trace = &trace
		res, err := Ingest(context.Background(), tx, src, found.Files, o)
		if err != nil {
			t.Fatal(err)
		}
		// Every statement reads the records as Arrow on the connection
		// when elt is built with it, through elt_frame otherwise.
		if as := strings.Count(trace.String(), "read as elt_arrow_"); (arrow && frame.Arrow) != (as > 0) || (as > 0 && strings.Contains(trace.String(), "read as elt_frame(")) {
			t.Fatalf("built with Arrow: %t, on the connection: %t; the trace:\n%s", frame.Arrow, arrow, trace.String())
		}
		var out []string
		for _, q := range []string{
			`SELECT _file, _line, event_id, session_id, user_id, event_type, event_timestamp, properties FROM bronze.events ORDER BY _file, _line`,
			`SELECT file, line, reason, raw FROM silver.quarantine ORDER BY file, line`,
			`SELECT count(*) FROM elt.files`,
		} {
			rows, err := tx.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				v := make([]sql.NullString, len(cols))
				p := make([]any, len(v))
				for i := range v {
					p[i] = &v[i]
				}
				rows.Scan(p...)
				out = append(out, fmt.Sprint(v))
			}
			rows.Close()
		}
		return res, out
	}
	whole, want := load(2, Options{RunID: 1}, false)
	if whole.Quarantined == 0 || whole.Records != int64(lines) {
		t.Fatalf("as they come: %+v, want %d records, some quarantined", whole, lines)
	}
	defer func(n, f, r int) { read.ChunkBytes, streamFiles, streamRejects = n, f, r }(read.ChunkBytes, streamFiles, streamRejects)
	for _, tc := range []struct {
		name                                  string
		chunk, batch, files, rejects, threads int
	}{
		{"tiny", 301, 301, 7, 5, 4},
		// Every batch carried to the next statement, whose list starts
		// with its file.
		{"a statement a file", 301, 301, 1, 100_000, 4},
		// Batches of several pieces of several files, carried past a
		// statement's list of three files or its one rejected record.
		{"batches across files", 301, 2000, 3, 1, 3},
		{"one thread", 301, 301, 7, 5, 1},
	} {
		for _, arrow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, on the connection: %t", tc.name, arrow), func(t *testing.T) {
				read.ChunkBytes, streamFiles, streamRejects = tc.chunk, tc.files, tc.rejects
				res, got := load(tc.threads, Options{RunID: 1, BatchBytes: int64(tc.batch)}, arrow)
				if res.Records != whole.Records || res.Quarantined != whole.Quarantined || res.Files != whole.Files {
					t.Errorf("%+v, as they come: %+v", res, whole)
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("other rows loaded: %d against %d", len(got), len(want))
					for i := range min(len(got), len(want)) {
						if got[i] != want[i] {
							t.Fatalf("first difference:\n got %s\nwant %s", got[i], want[i])
						}
					}
				}
			})
		}
	}
}

// TestStreamedStatementFails: a streamed statement that fails midway, in
// DuckDB (a field's check raising an error on one record), in Go (a file
// changed since it was ingested, a file gone since it was listed) or by
// the build being cancelled, returns that error, without waiting for
// anything that will not come (a DuckDB thread that failed never comes
// back for the readers' tokens its chunk holds), and leaves no goroutine
// behind. One reader with tokens (two Go processors), a batch a piece (two
// tokens) and four DuckDB threads, so the scan hands frames over often
// and the readers wait on DuckDB.
func TestStreamedStatementFails(t *testing.T) {
	stuck := time.AfterFunc(3*time.Minute, func() {
		panic("TestStreamedStatementFails is stuck: a failed statement waits for what will not come")
	})
	defer stuck.Stop()
	defer func(p, n int) { runtime.GOMAXPROCS(p); read.ChunkBytes = n }(runtime.GOMAXPROCS(2), read.ChunkBytes)
	read.ChunkBytes = 500
	const files, lines = 80, 40
	event := func(f, l int) string {
		return fmt.Sprintf(`{"event_id":"e%d-%d","session_id":"s%d","event_type":"click","event_timestamp":"2024-01-02T03:04:05Z"}`+"\n", f, l, f)
	}
	for _, tc := range []struct {
		name string
		// prepare changes the source or its files once they are listed,
		// and may give Ingest's context and a Progress.
		prepare func(t *testing.T, tx *sql.Tx, bronze string, src *Source, o *Options) context.Context
		gone    string // a file removed once listed
		want    func(error) bool
	}{
		{"DuckDB fails the insert", func(t *testing.T, _ *sql.Tx, _ string, src *Source, _ *Options) context.Context {
			src.Fields = slices.Clone(src.Fields)
			// The failing record takes a while (100 MB of text made and
			// measured), so that other threads wait for its chunk.
			src.Fields[0].Check = `CASE WHEN event_id = 'e20-7' THEN error('boom at ' || event_id || left('', length(repeat('y', 100000000)))) END`
			return context.Background()
		}, "", func(err error) bool { return err != nil && strings.Contains(err.Error(), "boom at e20-7") }},
		{"a file changed since it was ingested", func(t *testing.T, tx *sql.Tx, bronze string, src *Source, _ *Options) context.Context {
			// 040-changed.json, read in an earlier build, is read again
			// (it looks different) among new files, and differs.
			path := filepath.Join(bronze, "events", "z", "040-changed.json")
			os.MkdirAll(filepath.Dir(path), 0o755)
			os.WriteFile(path, []byte(event(999, 1)), 0o644)
			found, err := discover.Discover(context.Background(), src.Folder())
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range found.Files {
				if f.Rel == "events/z/040-changed.json" {
					if _, err := Ingest(context.Background(), tx, *src, []discover.File{f}, Options{RunID: 1}); err != nil {
						t.Fatal(err)
					}
				}
			}
			os.WriteFile(path, []byte(event(999, 1)+event(999, 2)), 0o644)
			return context.Background()
		}, "", func(err error) bool {
			var c *ChangedError
			return errors.As(err, &c) && c.File == "events/z/040-changed.json"
		}},
		{"a file gone since it was listed", func(*testing.T, *sql.Tx, string, *Source, *Options) context.Context {
			return context.Background()
		}, "z/030.json", func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
		{"the build is cancelled", func(t *testing.T, _ *sql.Tx, _ string, _ *Source, o *Options) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			n := 0
			o.Progress = func(Progress) {
				if n++; n == 100 {
					cancel()
				}
			}
			return ctx
		}, "", func(err error) bool { return errors.Is(err, context.Canceled) }},
	} {
		for _, arrow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, on the connection: %t", tc.name, arrow), func(t *testing.T) {
				bronze := t.TempDir()
				for f := range files {
					var text strings.Builder
					for l := range lines {
						text.WriteString(event(f, l+1))
					}
					path := filepath.Join(bronze, "events", "z", fmt.Sprintf("%03d.json", f))
					os.MkdirAll(filepath.Dir(path), 0o755)
					os.WriteFile(path, []byte(text.String()), 0o644)
				}
				tx, conn := connTx(t, 4)
				src := sources(t, bronze)[0]
				o := Options{RunID: 2, BatchBytes: int64(read.ChunkBytes)}
				if arrow {
					o.Conn = conn
				}
				ctx := tc.prepare(t, tx, bronze, &src, &o)
				found, err := discover.Discover(context.Background(), src.Folder())
				if err != nil {
					t.Fatal(err)
				}
				if tc.gone != "" {
					os.Remove(filepath.Join(bronze, "events", filepath.FromSlash(tc.gone)))
				}
				_, err = Ingest(ctx, tx, src, found.Files, o)
				if !tc.want(err) {
					t.Fatalf("Ingest: %v", err)
				}
				if left := ingesting(); len(left) > 0 {
					t.Fatalf("%d goroutines of Ingest left behind:\n%s", len(left), strings.Join(left, "\n\n"))
				}
			})
		}
	}
}

// ingesting are the stacks of the goroutines running this package's code
// (a test's aside).
func ingesting() []string {
	buf := make([]byte, 1<<22)
	var out []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "elt/internal/ingest.") && !strings.Contains(g, "ingest.Test") {
			out = append(out, g)
		}
	}
	return out
}

// TestLiveRawIsCopied: the raw text a streamed statement keeps of a
// record it sets aside (until the statement ends, for up to streamRejects
// records) is a copy, not a piece of the text of the records' chunk, which
// it would otherwise keep in memory with it (a chunk of up to
// read.ChunkBytes a rejected record).
func TestLiveRawIsCopied(t *testing.T) {
	for _, tc := range []struct{ name, line string }{
		{"as written", `{"event_id": 1}`},
		{"not UTF-8", "{\"event_id\": \"\xff\"}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.json")
			text := "{}\n" + tc.line + "\n{}\n"
			os.WriteFile(path, []byte(text), 0o644)
			var recs *read.Records
			read.File(context.Background(), path, read.Path(path), int64(len(text)), contract.NDJSON, []string{"event_id"}, "", false, func(p read.Piece) bool {
				if p.Records != nil {
					recs = p.Records
				}
				return true
			})
			k, ok := recs.Find(2)
			if !ok {
				t.Fatal("line 2 not read")
			}
			live := &liveRecords{byFile: map[string][]*read.Records{}}
			live.add([]part{{File: discover.File{Rel: "f.json"}, recs: recs}})
			raw, ok := live.raw("f.json", 2)
			if !ok || raw != recs.Raw(k) {
				t.Fatalf("raw %q, %v; want %q", raw, ok, recs.Raw(k))
			}
			if unsafe.StringData(raw) == unsafe.StringData(recs.Raw(k)) {
				t.Errorf("raw %q is the chunk's text, not a copy", raw)
			}
		})
	}
}

// TestStreamable: DuckDB runs a source's rules in one pipeline, from the
// scan of elt_frame to the filter that calls elt_reject, with only
// projections between, so that a thread sets aside the records of a
// chunk before it takes another (what lets a streamed statement drop a
// batch's records once the threads that took its chunks are back, with
// the raw text of those set aside): every conformance source's, and one
// whose check is a plain expression; not one whose check reads a table
// or a window, which then loads a batch a statement.
func TestStreamable(t *testing.T) {
	ctx := context.Background()
	tx := memTx(t)
	if _, err := tx.Exec(`CREATE TABLE allowed AS SELECT 'click' AS kind`); err != nil {
		t.Fatal(err)
	}
	type source struct {
		src  Source
		want bool
	}
	cases := map[string]source{}
	for _, src := range sources(t, t.TempDir()) {
		cases[src.Name] = source{src, true}
	}
	for check, want := range map[string]bool{
		`event_type <> 'bad'`:                                                         true,
		`event_type IN (SELECT kind FROM allowed)`:                                    false,
		`EXISTS (SELECT 1 FROM allowed WHERE kind = event_type)`:                      false,
		`count(*) OVER (PARTITION BY event_id) = 1`:                                   false,
		`event_type IN (FROM allowed SELECT kind)`:                                    false,
		`coalesce((SELECT max(kind) FROM allowed WHERE kind = event_type), '') <> ''`: false,
	} {
		src := cases["events"].src
		src.Fields = slices.Clone(src.Fields)
		src.Fields[3].Check = check
		cases["events, check "+check] = source{src, want}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if err := Prepare(ctx, tx, tc.src); err != nil {
				t.Fatal(err)
			}
			got, err := streamable(ctx, tx, tc.src)
			if err != nil || got != tc.want {
				t.Errorf("streamable: %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestStreamedCheckWithSubquery: a field's check may read a table (a
// subquery, correlated or not) or a window of rows, which DuckDB runs
// with a join or a window between the scan of the records and the filter
// that sets records aside, so a thread may take its next chunk before the
// rows of its last are set aside. Such a source still sets aside every
// record its check fails, each with its raw text, and loads the others.
func TestStreamedCheckWithSubquery(t *testing.T) {
	stuck := time.AfterFunc(4*time.Minute, func() { panic("TestStreamedCheckWithSubquery is stuck") })
	defer stuck.Stop()
	defer func(n int) { read.ChunkBytes = n }(read.ChunkBytes)
	read.ChunkBytes = 500
	const files, lines = 40, 40
	bronze := t.TempDir()
	var wantBad []string
	for f := range files {
		var text strings.Builder
		for l := range lines {
			kind := "click"
			if (f*lines+l)%7 == 3 {
				kind = "bad"
			}
			line := fmt.Sprintf(`{"event_id":"e%d-%d","session_id":"s","event_type":"%s","event_timestamp":"2024-01-02T03:04:05Z"}`, f, l, kind)
			text.WriteString(line + "\n")
			if kind == "bad" {
				wantBad = append(wantBad, fmt.Sprintf("events/z/%03d.json:%d %s", f, l+1, line))
			}
		}
		path := filepath.Join(bronze, "events", "z", fmt.Sprintf("%03d.json", f))
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte(text.String()), 0o644)
	}
	slices.Sort(wantBad)
	for _, check := range []string{
		`event_type <> 'bad'`,
		`event_type IN (SELECT kind FROM allowed)`,
		`EXISTS (SELECT 1 FROM allowed WHERE kind = event_type)`,
		`event_type IN (FROM allowed SELECT kind)`,
		`sum(CASE WHEN event_type = 'bad' THEN 1 ELSE 0 END) OVER (PARTITION BY event_id) = 0`,
	} {
		t.Run(check, func(t *testing.T) {
			tx := threadsTx(t, 4)
			if _, err := tx.Exec(`CREATE TABLE allowed AS SELECT 'click' AS kind`); err != nil {
				t.Fatal(err)
			}
			src := sources(t, bronze)[0]
			src.Fields = slices.Clone(src.Fields)
			src.Fields[3].Check = check // event_type
			found, err := discover.Discover(context.Background(), src.Folder())
			if err != nil {
				t.Fatal(err)
			}
			res, err := Ingest(context.Background(), tx, src, found.Files, Options{RunID: 1, BatchBytes: int64(read.ChunkBytes)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			rows, err := tx.Query(`SELECT file || ':' || line || ' ' || coalesce(raw, 'NULL'), reason FROM silver.quarantine`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s, reason string
				rows.Scan(&s, &reason)
				if reason != "invalid_event_type" {
					t.Errorf("%s set aside as %s", s, reason)
				}
				got = append(got, s)
			}
			rows.Close()
			slices.Sort(got)
			var loaded int64
			tx.QueryRow(`SELECT count(*) FROM bronze.events WHERE event_type = 'click'`).Scan(&loaded)
			if !slices.Equal(got, wantBad) || res.Quarantined != int64(len(wantBad)) || loaded != files*lines-int64(len(wantBad)) {
				t.Errorf("%d set aside (%d counted), %d loaded; want %d and %d", len(got), res.Quarantined, loaded, len(wantBad), files*lines-len(wantBad))
			}
		})
	}
}
