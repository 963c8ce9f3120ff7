package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/ingest/discover"
	"github.com/digitalservices/elt/internal/ingest/read"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// TestStreamedStatements ingests the same dirty events, in hundreds of
// small files, once as they come and once with every limit of a streamed
// statement tiny: pieces of a few lines, a batch a piece (so two tokens
// for the readers), a statement ending every few files and every few
// rejected records, and four DuckDB threads for the scan's hand-offs. Both
// load the same rows to bronze and set the same records aside with their
// raw text, and every record is in one or the other.
func TestStreamedStatements(t *testing.T) {
	stuck := time.AfterFunc(3*time.Minute, func() {
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
	load := func(threads int, o Options) (Result, []string) {
		db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := state.Migrate(db.DB); err != nil {
			t.Fatal(err)
		}
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		res, err := Ingest(context.Background(), tx, src, found.Files, o)
		if err != nil {
			t.Fatal(err)
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
	whole, want := load(2, Options{RunID: 1})
	if whole.Quarantined == 0 || whole.Records != int64(lines) {
		t.Fatalf("as they come: %+v, want %d records, some quarantined", whole, lines)
	}
	defer func(n, f, r int) { read.ChunkBytes, streamFiles, streamRejects = n, f, r }(read.ChunkBytes, streamFiles, streamRejects)
	read.ChunkBytes, streamFiles, streamRejects = 301, 7, 5
	tiny, got := load(4, Options{RunID: 1, BatchBytes: 301})
	if tiny.Records != whole.Records || tiny.Quarantined != whole.Quarantined || tiny.Files != whole.Files {
		t.Errorf("tiny statements: %+v, as they come: %+v", tiny, whole)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tiny statements loaded other rows: %d against %d", len(got), len(want))
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("first difference:\n got %s\nwant %s", got[i], want[i])
			}
		}
	}
}
