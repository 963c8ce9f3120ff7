package read

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zeebo/xxh3"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/ingest/read/csvscan"
	"github.com/digitalservices/elt/internal/testutil"
)

// fuzzLimit is the line (NDJSON) and file (CSV) limit while fuzzing, small
// enough for inputs to pass it.
const fuzzLimit = 256

// physicalLines splits data at its line breaks (LF, CRLF, lone CR) as the
// contract does, without them; the first keeps any byte-order mark.
func physicalLines(data []byte) [][]byte {
	var out [][]byte
	start := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			out = append(out, data[start:i])
			start = i + 1
		case '\r':
			out = append(out, data[start:i])
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	if start < len(data) {
		out = append(out, data[start:])
	}
	return out
}

// badLine tells whether a line is quarantined as invalid_encoding.
func badLine(l []byte) bool { return !utf8.Valid(l) || bytes.IndexByte(l, 0) >= 0 }

// fuzzRead reads data as a bronze file in format (its fields at columns) with NDJSON chunks of chunk
// bytes, checking what every read must give: its pieces in order, each
// consistent (as many kinds and values as records), the hash of data last.
// It returns the records and the first error.
func fuzzRead(t *testing.T, path string, format contract.Format, columns []string, data []byte, chunk int) (*Records, error) {
	t.Helper()
	ChunkBytes = chunk
	all := newRecords("", len(columns), 0)
	var err error
	var fp string
	File(context.Background(), path, Path(path), int64(len(data)), format, columns, "", false, func(p Piece) bool {
		if fp != "" {
			t.Fatalf("a Piece after the hash")
		}
		if p.Err != nil {
			err = p.Err
			return false
		}
		if p.Records != nil {
			r := p.Records
			for i := range r.kinds {
				if len(r.kinds[i]) != r.Len() || len(r.vals[i]) != r.Len() {
					t.Fatalf("field %d: %d kinds and %d values for %d records", i, len(r.kinds[i]), len(r.vals[i]), r.Len())
				}
			}
			if len(r.raw) != r.Len() || len(r.bad) != r.Len() {
				t.Fatalf("%d raw texts and %d reasons for %d records", len(r.raw), len(r.bad), r.Len())
			}
			for k := range r.line {
				kinds, vals := make([]uint8, len(r.kinds)), make([]span, len(r.kinds))
				for i := range r.kinds {
					kinds[i] = r.kinds[i][k]
					if kinds[i] != KindAbsent && kinds[i] != KindNull {
						vals[i] = all.keep(r.str(r.vals[i][k]))
					}
				}
				all.add(int(r.line[k]), all.keep(r.str(r.raw[k])), r.bad[k], kinds, vals)
			}
		}
		fp = p.Fingerprint
		return true
	})
	if err == nil {
		// XXH3 computed whole, by the library's one-shot function.
		if want := xxh3.Hash128(data).Bytes(); fp != "xxh3:"+hex.EncodeToString(want[:]) {
			t.Fatalf("fingerprint %q, want xxh3:%x", fp, want)
		}
	}
	return all, err
}

// counted checks that every record read is counted once: good ones and
// rejected ones together are what the reader saw, and their lines strictly
// increase (none doubled).
func counted(t *testing.T, r *Records) (good, rejected int) {
	t.Helper()
	for k := range r.line {
		if k > 0 && r.line[k] <= r.line[k-1] {
			t.Fatalf("record %d at line %d after line %d", k, r.line[k], r.line[k-1])
		}
		if r.bad[k] == badNone {
			good++
		} else {
			rejected++
		}
	}
	if good+rejected != r.Len() {
		t.Fatalf("%d good and %d rejected of %d records", good, rejected, r.Len())
	}
	return good, rejected
}

// addSeeds adds the seeds and the conformance cases' bronze files ending
// in ext, each with a few chunk sizes.
func addSeeds(f *testing.F, ext string) {
	for _, s := range testutil.ReaderEdgeCases(fuzzLimit) {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(3))
	}
	for _, dir := range testutil.ConformanceCases(f) {
		filepath.WalkDir(filepath.Join(dir, "bronze"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ext) {
				if b, err := os.ReadFile(p); err == nil && len(b) <= 4096 {
					f.Add(b, uint8(len(b)%17))
				}
			}
			return err
		})
	}
}

// FuzzNDJSONReader: whatever the bytes and wherever the chunks end, the
// NDJSON reader does not panic; it reads what it reads whole; every
// non-blank line is one record, counted once (good or rejected), at its
// line; a good one is one JSON object; and a line over the limit, and only
// that, is an error naming it.
func FuzzNDJSONReader(f *testing.F) {
	addSeeds(f, ".json")
	path := filepath.Join(f.TempDir(), "f.json")
	format, columns := contract.NDJSON, []string{"a", "b"}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		defer func(n, l int) { ChunkBytes, textLimit = n, l }(ChunkBytes, textLimit)
		textLimit = fuzzLimit
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		whole, wholeErr := fuzzRead(t, path, format, columns, data, 1<<20)
		got, err := fuzzRead(t, path, format, columns, data, int(chunk)%64+1)
		lines := physicalLines(data)
		tooLong := 0
		for i, l := range lines {
			if len(l) > fuzzLimit {
				tooLong = i + 1
				break
			}
		}
		if tooLong > 0 {
			want := fmt.Sprintf("line %d is longer than %d bytes", tooLong, fuzzLimit)
			for _, e := range []error{wholeErr, err} {
				if e == nil || !strings.Contains(e.Error(), want) {
					t.Fatalf("got %v, want %q", e, want)
				}
			}
			return
		}
		if wholeErr != nil || err != nil {
			t.Fatalf("no line over the limit, yet %v / %v", wholeErr, err)
		}
		if a, b := showRecords(whole), showRecords(got); a != b {
			t.Fatalf("in chunks of %d:\n%s\nwhole:\n%s", int(chunk)%64+1, b, a)
		}
		counted(t, got)
		var want []int64
		for i, l := range lines {
			if i == 0 {
				l = bytes.TrimPrefix(l, bom)
			}
			if badLine(l) || !csvscan.Blank(string(l)) {
				want = append(want, int64(i+1))
			}
		}
		if fmt.Sprint(got.line) != fmt.Sprint(want) {
			t.Fatalf("records at lines %v, want one per non-blank line %v", got.line, want)
		}
		for k, n := range got.line {
			raw := got.str(got.raw[k])
			l := lines[n-1]
			if n == 1 {
				l = bytes.TrimPrefix(l, bom)
			}
			if raw != strings.ToValidUTF8(string(l), "\uFFFD") && !badLine(l) {
				t.Fatalf("line %d: raw %q, want %q", n, raw, l)
			}
			if got.bad[k] == badNone && (!json.Valid([]byte(raw)) || strings.TrimLeft(raw, " \t")[0] != '{') {
				t.Fatalf("line %d: %q taken as one JSON object", n, raw)
			}
		}
	})
}

// FuzzCSVReader: whatever the bytes, the CSV reader does not panic; a file
// over the limit, and only that, is an error; every record after the
// header is counted once (good or rejected), at the line it starts on, the
// lines it spans never overlapping another's, and no non-blank line is
// left out of a record; a good record has the header's number of fields
// and its raw text is its lines.
func FuzzCSVReader(f *testing.F) {
	addSeeds(f, ".csv")
	path := filepath.Join(f.TempDir(), "f.csv")
	format, columns := contract.CSV, []string{"a", "b", "code"}
	f.Fuzz(func(t *testing.T, data []byte, _ uint8) {
		defer func(l int) { textLimit = l }(textLimit)
		textLimit = fuzzLimit
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := fuzzRead(t, path, format, columns, data, 1<<20)
		if len(data) > fuzzLimit {
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("is larger than %d bytes", fuzzLimit)) {
				t.Fatalf("%d bytes: %v, want the limit's error", len(data), err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		counted(t, got)
		// The scanner's own view: the header record and where each record ends.
		text, bad := PrepareText(bytes.TrimPrefix(data, bom))
		recs := csvscan.Scan(text, bad)
		if len(recs) == 0 {
			if got.Len() != 0 {
				t.Fatalf("%d records without a header", got.Len())
			}
			recs = nil
		}
		lines := strings.Split(text, "\n")
		covered := make([]int, len(lines)+2) // records over each line
		for k, r := range recs {
			span := 1
			if r.Reason != InvalidEncoding && r.Reason != MalformedCSV || r.Reason == MalformedCSV && r.Raw != lines[r.Line-1] {
				span = strings.Count(r.Raw, "\n") + 1
			}
			if r.Reason == InvalidEncoding {
				covered[r.Line]++ // on its own, and maybe inside a quoted field too
				continue
			}
			for n := r.Line; n < r.Line+span; n++ {
				if n > len(lines) {
					t.Fatalf("record %d at line %d spans %d lines of %d", k, r.Line, span, len(lines))
				}
				covered[n]++
			}
		}
		isBad := map[int]bool{}
		for _, n := range bad {
			isBad[n] = true
		}
		for n := 1; n <= len(lines); n++ {
			switch {
			case covered[n] == 0 && !csvscan.Blank(lines[n-1]):
				t.Fatalf("line %d %q is in no record", n, lines[n-1])
			case covered[n] > 1 && !(isBad[n] && covered[n] == 2):
				t.Fatalf("line %d is in %d records", n, covered[n])
			}
		}
		if len(recs) > 0 && got.Len() != len(recs)-1 {
			t.Fatalf("%d records read after the header, the scanner found %d", got.Len(), len(recs)-1)
		}
		for k := range got.line {
			r := recs[k+1]
			if got.line[k] != int64(r.Line) {
				t.Fatalf("record %d at line %d, the scanner says %d", k, got.line[k], r.Line)
			}
			if got.bad[k] == badNone {
				if r.Reason != "" || len(r.Fields) != len(recs[0].Fields) || got.str(got.raw[k]) != r.Raw {
					t.Fatalf("line %d taken as good: %+v (header %q)", r.Line, r, recs[0].Fields)
				}
				own := slices.Clone(lines[r.Line-1 : r.Line+strings.Count(r.Raw, "\n")])
				for i := range own {
					if isBad[r.Line+i] {
						own[i] = "" // a bad line inside a quoted field reads as empty
					}
				}
				if want := strings.Join(own, "\n"); r.Raw != want {
					t.Fatalf("line %d: raw %q, want its lines %q", r.Line, r.Raw, want)
				}
			}
		}
	})
}
