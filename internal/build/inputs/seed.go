package inputs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/ingest/read"
)

// Seed is a seed file as the sources' CSV reader reads it.
type Seed struct {
	// Header are the column names of its header line, as written.
	Header []string
	// Records are its records after the header, in file order.
	Records []SeedRecord
}

// SeedRecord is one record of a seed: the physical line it starts on (and
// that line's text, to show in an error) and its values (unquoted; "" for
// an empty field).
type SeedRecord struct {
	Line   int
	Text   string
	Fields []string
}

// maxSeedErrors is how many errors of one seed are reported.
const maxSeedErrors = 10

// ReadSeed reads a seed file (abs; rel is its path as the user knows it,
// seeds/<schema>/<name>.csv) with the reader of CSV sources: RFC 4180 with
// a comma and " quoting, line breaks LF, CRLF or a lone CR, a byte-order
// mark ignored, blank lines skipped. What a source would quarantine is an
// error at rel:line showing the line (a quote left open, text after a
// closing quote, a line that is not UTF-8, a record with another number of
// values than the header has columns); so are a header that is malformed,
// names a column twice or leaves one unnamed, and a file with no header or
// no record.
func ReadSeed(ctx context.Context, abs, rel string) (*Seed, error) {
	fh, err := os.Open(abs)
	if err != nil {
		return nil, &diag.FileError{Path: rel, Msg: fmt.Sprintf("cannot read the seed: %v", diag.UnwrapPath(err))}
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, &diag.FileError{Path: rel, Msg: fmt.Sprintf("cannot read the seed: %v", diag.UnwrapPath(err))}
	}
	text, bad, err := read.CSVText(ctx, fh, info.Size())
	var big *read.TooLargeError
	if errors.As(err, &big) {
		return nil, &diag.FileError{Path: rel, Msg: fmt.Sprintf("the seed is larger than %s: load data this large as a source", big.Limit)}
	}
	if err != nil {
		return nil, &diag.FileError{Path: rel, Msg: fmt.Sprintf("cannot read the seed: %v", diag.UnwrapPath(err))}
	}
	recs := read.ScanCSV(text, bad)
	lines := strings.Split(text, "\n")
	at := func(r read.CSVRecord, format string, args ...any) *diag.FileError {
		return &diag.FileError{Path: rel, Line: r.Line, Msg: fmt.Sprintf(format, args...), Source: lines[r.Line-1]}
	}
	const hint = "a seed is CSV as RFC 4180 reads it: a comma between values, a value holding a comma, a quote or a line break in double quotes, a quote inside doubled (\"\")"
	if len(recs) == 0 {
		return nil, &diag.FileError{Path: rel, Msg: "the seed is empty: it needs a header line naming its columns and at least one record",
			Hint: "add its rows, or delete the file if the table is not wanted"}
	}
	seed := &Seed{}
	var errs diag.Errors
	for k, r := range recs {
		var err *diag.FileError
		switch {
		case r.Reason == read.InvalidEncoding:
			err = at(r, "this line is not valid UTF-8 (or holds a NUL byte)")
			err.Hint = "save the seed as UTF-8"
		case r.Reason == read.MalformedCSV && r.Fields == nil:
			err = at(r, "a quote opened on this line is never closed")
			err.Hint = hint
		case r.Reason == read.MalformedCSV:
			err = at(r, "text follows a closing quote before the next comma")
			err.Hint = hint
		case k > 0 && len(r.Fields) != len(seed.Header):
			err = at(r, "this record has %d values, the header %d columns", len(r.Fields), len(seed.Header))
			err.Hint = hint
		}
		if err != nil {
			errs = append(errs, err)
			if k == 0 || len(errs) == maxSeedErrors {
				break // no header to read the rest by, or enough said
			}
			continue
		}
		if k == 0 {
			seed.Header = r.Fields
			seen := map[string]bool{}
			for i, c := range r.Fields {
				name := strings.ToLower(strings.TrimSpace(c))
				switch {
				case name == "":
					errs = append(errs, at(r, "column %d of the header has no name", i+1))
				case seen[name]:
					errs = append(errs, at(r, "the header names column %q twice", strings.TrimSpace(c)))
				}
				seen[name] = true
			}
			continue
		}
		seed.Records = append(seed.Records, SeedRecord{Line: r.Line, Text: lines[r.Line-1], Fields: r.Fields})
	}
	if len(errs) == 0 && len(seed.Records) == 0 {
		return nil, &diag.FileError{Path: rel, Line: recs[0].Line, Msg: "the seed has a header but no record: a seed needs at least one",
			Source: lines[recs[0].Line-1], Hint: "add its rows, or delete the file if the table is not wanted"}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return seed, nil
}

// HashSeed is a seed file's fingerprint: the sha256 of its bytes, in hex
// (read.HashFile; bronze files get XXH3, package fingerprint, but a seed's
// state has always kept sha256), stopping when ctx is done.
func HashSeed(ctx context.Context, path string) (string, error) {
	return read.HashFile(ctx, path)
}
