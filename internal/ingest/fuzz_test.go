package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
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

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/state"
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

// fuzzRead reads data as a bronze file of src with NDJSON chunks of chunk
// bytes, checking what every read must give: its pieces in order, each
// consistent (as many kinds and values as records), the hash of data last.
// It returns the records and the first error.
func fuzzRead(t *testing.T, path string, src Source, data []byte, chunk int) (*fileRecords, error) {
	t.Helper()
	chunkBytes = chunk
	all := newRecords("", len(src.Fields), 0)
	var err error
	var sha string
	readFile(context.Background(), src, File{Rel: "f", Abs: path, Look: state.Look{Size: int64(len(data))}}, false, func(p piece) bool {
		if sha != "" {
			t.Fatalf("a piece after the hash")
		}
		if p.err != nil {
			err = p.err
			return false
		}
		if p.recs != nil {
			r := p.recs
			for i := range r.kinds {
				if len(r.kinds[i]) != r.len() || len(r.vals[i]) != r.len() {
					t.Fatalf("field %d: %d kinds and %d values for %d records", i, len(r.kinds[i]), len(r.vals[i]), r.len())
				}
			}
			if len(r.raw) != r.len() || len(r.bad) != r.len() {
				t.Fatalf("%d raw texts and %d reasons for %d records", len(r.raw), len(r.bad), r.len())
			}
			for k := range r.line {
				kinds, vals := make([]uint8, len(r.kinds)), make([]span, len(r.kinds))
				for i := range r.kinds {
					kinds[i] = r.kinds[i][k]
					if kinds[i] != kindAbsent && kinds[i] != kindNull {
						vals[i] = all.keep(r.str(r.vals[i][k]))
					}
				}
				all.add(int(r.line[k]), all.keep(r.str(r.raw[k])), r.bad[k], kinds, vals)
			}
		}
		sha = p.sha
		return true
	})
	if err == nil {
		if want := sha256.Sum256(data); sha != hex.EncodeToString(want[:]) {
			t.Fatalf("hash %q, want %x", sha, want)
		}
	}
	return all, err
}

// counted checks that every record read is counted once: good ones and
// rejected ones together are what the reader saw, and their lines strictly
// increase (none doubled).
func counted(t *testing.T, r *fileRecords) (good, rejected int) {
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
	if good+rejected != r.len() {
		t.Fatalf("%d good and %d rejected of %d records", good, rejected, r.len())
	}
	return good, rejected
}

// fuzzSeeds are the edge cases of the data contract and the issue's
// payloads; every file of the conformance cases' bronze is added too.
var fuzzSeeds = []string{
	"",
	"\xEF\xBB\xBF",
	"\n\n  \r\n\t\r",
	"{\"a\": 1}",                             // no final line break
	"{\"a\": 1}\n{\"a\": 2}\n",               // LF
	"{\"a\": 1}\r\n{\"a\": 2}\r\n  \r\n",     // CRLF
	"{\"a\": 1}\r{\"a\": 2}\r\r{\"a\": 3}\r", // lone CR (old Mac exports)
	"{\"a\": 1}\n\r{\"a\": 2}\r\n{\"a\": 3}\r{}", // mixed
	"\xEF\xBB\xBF{\"a\": 1}\n\xEF\xBB\xBF{\"a\": 2}\n",
	"{\"a\": NaN}\n{\"a\": Infinity}\n{\"a\": 1,}\n{'a': 1}\n{\"a\": 1} // c\n{\"a\": \"\\ud800\"}\n{\"a\": 1, \"a\": 2}\n{\"o\": {\"k\": 1, \"k\": 2}}\n",
	"{\"a\": \"\xff\"}\nnot json\n{\"a\": \"\x00\"}\n[1]\n\"s\"\n",
	"{\"a\": \"" + strings.Repeat("x", fuzzLimit) + "\"}\n{\"a\": 1}\n", // a line longer than the limit
	strings.Repeat("y", 3*fuzzLimit), // no line break at all
	"a,b\n1,2\n",
	"a,b\r\n1,2\r\n",
	"a,b\r1,2\r3,4",
	"a,b\n\"x\ny\",2\n\"q\"\"q\",3\n",               // RFC 4180 quoted line breaks, doubled quotes
	"code,rate\n\"EUR,1.0\nUSD,1.1\n",               // a quote open to the end of the file
	"a,b\n\"x\"y,2\n\"a\"\"\",\"b\n\n\"z,3\nok,4\n", // text after a closing quote
	"a,a,b\n1,2,3\n",                                // a header naming a column twice
	"a,b\n1\n1,2,3\n\xff,1\n\"\xff\n\",1\n",
	"\xEF\xBB\xBFa,b\n1,2\n",
	"a,\"b\n1,2\n",
	strings.Repeat("a,", fuzzLimit) + "\n",
}

// addSeeds adds the seeds and the conformance cases' bronze files ending
// in ext, each with a few chunk sizes.
func addSeeds(f *testing.F, ext string) {
	for _, s := range fuzzSeeds {
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
	src := Source{Name: "e", Source: contract.Source{Format: contract.NDJSON, Fields: []contract.Field{{Name: "a"}, {Name: "b"}}}}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		defer func(n, l int) { chunkBytes, textLimit = n, l }(chunkBytes, textLimit)
		textLimit = fuzzLimit
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		whole, wholeErr := fuzzRead(t, path, src, data, 1<<20)
		got, err := fuzzRead(t, path, src, data, int(chunk)%64+1)
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
			if badLine(l) || !blank(string(l)) {
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
	src := Source{Name: "t", Source: contract.Source{Format: contract.CSV, Fields: []contract.Field{{Name: "a"}, {Name: "b"}, {Name: "code"}}}}
	f.Fuzz(func(t *testing.T, data []byte, _ uint8) {
		defer func(l int) { textLimit = l }(textLimit)
		textLimit = fuzzLimit
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := fuzzRead(t, path, src, data, 1<<20)
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
		text, bad := prepareText(bytes.TrimPrefix(data, bom))
		recs := scanCSV(text, bad)
		if len(recs) == 0 {
			if got.len() != 0 {
				t.Fatalf("%d records without a header", got.len())
			}
			recs = nil
		}
		lines := strings.Split(text, "\n")
		covered := make([]int, len(lines)+2) // records over each line
		for k, r := range recs {
			span := 1
			if r.reason != invalidEncoding && r.reason != malformedCSV || r.reason == malformedCSV && r.raw != lines[r.line-1] {
				span = strings.Count(r.raw, "\n") + 1
			}
			if r.reason == invalidEncoding {
				covered[r.line]++ // on its own, and maybe inside a quoted field too
				continue
			}
			for n := r.line; n < r.line+span; n++ {
				if n > len(lines) {
					t.Fatalf("record %d at line %d spans %d lines of %d", k, r.line, span, len(lines))
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
			case covered[n] == 0 && !blank(lines[n-1]):
				t.Fatalf("line %d %q is in no record", n, lines[n-1])
			case covered[n] > 1 && !(isBad[n] && covered[n] == 2):
				t.Fatalf("line %d is in %d records", n, covered[n])
			}
		}
		if len(recs) > 0 && got.len() != len(recs)-1 {
			t.Fatalf("%d records read after the header, the scanner found %d", got.len(), len(recs)-1)
		}
		for k := range got.line {
			r := recs[k+1]
			if got.line[k] != int64(r.line) {
				t.Fatalf("record %d at line %d, the scanner says %d", k, got.line[k], r.line)
			}
			if got.bad[k] == badNone {
				if r.reason != "" || len(r.fields) != len(recs[0].fields) || got.str(got.raw[k]) != r.raw {
					t.Fatalf("line %d taken as good: %+v (header %q)", r.line, r, recs[0].fields)
				}
				own := slices.Clone(lines[r.line-1 : r.line+strings.Count(r.raw, "\n")])
				for i := range own {
					if isBad[r.line+i] {
						own[i] = "" // a bad line inside a quoted field reads as empty
					}
				}
				if want := strings.Join(own, "\n"); r.raw != want {
					t.Fatalf("line %d: raw %q, want its lines %q", r.line, r.raw, want)
				}
			}
		}
	})
}

// TestFuzzSeedsCountedOnce ingests every fuzz seed for real (events as
// NDJSON, transactions as CSV): each record the reader saw is in bronze or
// in the quarantine, once, at its line, and the result counts them.
func TestFuzzSeedsCountedOnce(t *testing.T) {
	ctx := context.Background()
	for i, seed := range fuzzSeeds {
		for _, k := range []int{0, 1} { // events, transactions
			bronze := t.TempDir()
			src := sources(t, bronze)[k]
			name := map[int]string{0: "f.json", 1: "f.csv"}[k]
			dir := filepath.Join(bronze, src.Prefix)
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(seed), 0o644); err != nil {
				t.Fatal(err)
			}
			files, err := Discover(src)
			if err != nil {
				t.Fatal(err)
			}
			tx := memTx(t)
			read, err := fuzzRead(t, files.Files[0].Abs, src, []byte(seed), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
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
			want := strings.Trim(fmt.Sprint(read.line), "[]")
			if lines != want || res.Records != int64(read.len()) {
				t.Errorf("seed %d as %s: bronze and quarantine hold lines %q, the reader read %q; %d records counted", i, src.Name, lines, want, res.Records)
			}
		}
	}
}
