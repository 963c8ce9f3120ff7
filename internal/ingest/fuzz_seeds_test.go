package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/ingest/discover"
	"github.com/digitalservices/elt/internal/ingest/read"
	"github.com/digitalservices/elt/internal/testutil"
)

// fuzzLimit is the read package's limit while fuzzing, which its seeds
// are made around.
const fuzzLimit = 256

// readLines reads a bronze file of src as ingestion does, giving the lines
// of its records, in order.
func readLines(t *testing.T, src Source, f discover.File) []int64 {
	t.Helper()
	var lines []int64
	read.File(context.Background(), f.Abs, read.Path(f.Abs), f.Size, src.Format, columns(src), "", false, func(p read.Piece) bool {
		if p.Err != nil {
			t.Fatal(p.Err)
		}
		if p.Records != nil {
			for k := range p.Records.Len() {
				lines = append(lines, p.Records.Line(k))
			}
		}
		return true
	})
	return lines
}

// TestFuzzSeedsCountedOnce ingests every fuzz seed for real (events as
// NDJSON, transactions as CSV): each record the reader saw is in bronze or
// in the quarantine, once, at its line, and the result counts them.
func TestFuzzSeedsCountedOnce(t *testing.T) {
	ctx := context.Background()
	for i, seed := range testutil.ReaderEdgeCases(fuzzLimit) {
		for _, k := range []int{0, 1} { // events, transactions
			bronze := t.TempDir()
			src := sources(t, bronze)[k]
			name := map[int]string{0: "f.json", 1: "f.csv"}[k]
			dir := filepath.Join(bronze, src.Prefix)
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(seed), 0o644); err != nil {
				t.Fatal(err)
			}
			files, err := discover.Discover(context.Background(), src.Folder())
			if err != nil {
				t.Fatal(err)
			}
			tx := memTx(t)
			got := readLines(t, src, files.Files[0])
			res, err := Ingest(ctx, tx, src, files.Files, Options{RunID: 1})
			if err != nil {
				t.Fatalf("seed %d as %s: %v", i, src.Name, err)
			}
			var lines string
			q := fmt.Sprintf(`SELECT coalesce(string_agg(_line::VARCHAR, ' ' ORDER BY _line), '') FROM (
				SELECT _line FROM %s UNION ALL SELECT line FROM silver.quarantine)`, src.Table())
			if err := tx.QueryRow(q).Scan(&lines); err != nil {
				t.Fatal(err)
			}
			want := strings.Trim(fmt.Sprint(got), "[]")
			if lines != want || res.Records != int64(len(got)) {
				t.Errorf("seed %d as %s: bronze and quarantine hold lines %q, the reader read %q; %d records counted", i, src.Name, lines, want, res.Records)
			}
		}
	}
}
