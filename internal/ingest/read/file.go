package read

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/ingest/fingerprint"
)

// A Piece is what reading a file yields, in order: its records (NDJSON a
// chunk of whole lines at a time, CSV at once), then, last, its fingerprint.
type Piece struct {
	Records *Records
	Size    int64 // bytes read for Records
	// Fingerprint is the file's to keep and Compare the one to compare with
	// what the manifest holds (package fingerprint: they differ in kind for
	// a file of an older manifest read again whole), in the last piece.
	Fingerprint, Compare string
	// Local is a downloaded copy of the file, for DuckDB to read (a Parquet
	// object); whoever downloaded it removes it.
	Local string
	Err   error
}

// ChunkBytes is about how much of an NDJSON file is read at once, so that
// a large file is never held whole (a variable: tests make it small, so
// that chunk edges fall everywhere).
var ChunkBytes = 16 << 20

// textLimit is the longest NDJSON line and the largest CSV file read: what
// is beyond it is never read into memory (maxText; a variable for tests).
var textLimit = maxText

// readBytes is how much is read between two looks at the context.
const readBytes = 1 << 20

// sizeText says n bytes as the limits are spoken of.
func sizeText(n int) string {
	if n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Opener opens a bronze file for reading: a file on disk, or an object
// streamed from a bucket.
type Opener func() (io.ReadCloser, error)

// Path opens a file on disk.
func Path(path string) Opener { return func() (io.ReadCloser, error) { return os.Open(path) } }

// File reads one bronze file once (name, what messages call it; open,
// how it is read; of size bytes when listed, in format, its declared
// fields at columns), giving its pieces to emit (which says whether to go
// on): NDJSON a chunk of whole lines at a time, CSV whole, and the file's
// fingerprint last (in the kind of like, what the manifest holds of the
// file; "" for a file it does not know). With hashOnly (a file already in
// the manifest, touched or copied with its bytes), and for a Parquet file
// (DuckDB reads it), the file is only fingerprinted, streaming. A line or
// CSV file beyond textLimit is an error found before more of it is read; a
// cancelled ctx stops the reading between two pieces of at most ChunkBytes
// or readBytes.
func File(ctx context.Context, path string, open Opener, size int64, format contract.Format, columns []string, like string, hashOnly bool, emit func(Piece) bool) {
	// An NDJSON chunk is parsed (ndjsonRecords) beside the reading of the
	// next, and emitted once both are done: pending emits the chunk before.
	// DuckDB then waits less for Go between two batches (2M events on 2
	// cores: ingestion 3.29-3.44 s against 3.56-3.72 s, three pairs).
	var pending func() bool
	flush := func() bool {
		if pending == nil {
			return true
		}
		ok := pending()
		pending = nil
		return ok
	}
	fail := func(err error) {
		if !flush() {
			return
		}
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		err = diag.UnwrapPath(err)
		if strings.Contains(err.Error(), path) { // an object's error names it already
			emit(Piece{Err: fmt.Errorf("cannot read bronze file: %w", err)})
			return
		}
		emit(Piece{Err: fmt.Errorf("cannot read bronze file %s: %w", path, err)})
	}
	fh, err := open()
	if err != nil {
		fail(err)
		return
	}
	defer fh.Close()
	h := fingerprint.NewReading(like, hashOnly)
	last := func() Piece {
		keep, compare := h.Sums()
		return Piece{Fingerprint: keep, Compare: compare}
	}
	if hashOnly || format == contract.Parquet {
		if err := fingerprint.Feed(ctx, fh, h); err != nil {
			fail(err)
			return
		}
		emit(last())
		return
	}
	if format == contract.CSV {
		data, err := readUpTo(ctx, io.TeeReader(fh, h), size, textLimit)
		if err != nil {
			fail(err)
			return
		}
		if len(data) > textLimit {
			emit(Piece{Err: fmt.Errorf("bronze file %s is larger than %s: elt reads CSV files of up to %s; split it into smaller files", path, sizeText(textLimit), sizeText(textLimit))})
			return
		}
		text, bad := PrepareText(bytes.TrimPrefix(data, bom))
		if emit(Piece{Records: csvRecords(text, bad, columns), Size: int64(len(data))}) {
			emit(last())
		}
		return
	}
	// NDJSON: chunks end after a line break, so no line (and no CRLF) is
	// cut. rest, the line not yet ended, starts at line; it is never let
	// grow past textLimit, so a file without line breaks is not read whole.
	var rest []byte
	var done int64 // bytes read so far
	line, first := 1, true
	for eof := false; !eof; {
		if err := ctx.Err(); err != nil {
			fail(err)
			return
		}
		// At most one byte past the limit, or one after a CR that may
		// start a CRLF.
		want := max(min(ChunkBytes, textLimit+1-len(rest)), 1)
		// No more than the file holds, and a byte to find its end: a buffer
		// is zeroed whole, and a small file (an increment's) made each
		// reader clear 16 MB (at 10M events, +1%: 0.1 CPU s of 3).
		if left := size - done; left >= 0 && left < int64(want) {
			want = int(left) + 1
		}
		// rest is never given away: a line being read grows in place, so a
		// long one is not copied again at every chunk.
		old := len(rest)
		data := slices.Grow(rest, want)
		n, err := io.ReadFull(fh, data[old:old+want])
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			eof = true
		case err != nil:
			fail(err)
			return
		}
		h.Write(data[old : old+n])
		done += int64(n)
		data = data[:old+n]
		// rest holds no line break but maybe a CR at its end, so the last
		// break is in what was just read or ends that CR.
		from := max(old-1, 0)
		cut := lastBreak(data[from:])
		if cut > 0 {
			cut += from
		}
		// The line not ended yet (a CR at the end ends it, or starts its
		// break).
		open := len(data) - cut
		if open > 0 && data[len(data)-1] == '\r' {
			open--
		}
		if open > textLimit {
			if flush() {
				emit(Piece{Err: fmt.Errorf("bronze file %s: line %d is longer than %s (no line break in it): elt cannot read it as NDJSON; "+
					"check that the file is newline-delimited JSON, or split the line", path, line+breaks(data[:cut]), sizeText(textLimit))})
			}
			return
		}
		if eof {
			cut = len(data)
		}
		if cut == 0 {
			rest = data // no line ends here yet: read on
			continue
		}
		rest = append([]byte(nil), data[cut:]...)
		chunk := data[:cut]
		if first {
			chunk, first = bytes.TrimPrefix(chunk, bom), false
		}
		text, bad := PrepareText(chunk)
		parsed := make(chan *Records, 1)
		go func(first int) { parsed <- ndjsonRecords(text, bad, columns, first) }(line)
		line += strings.Count(text, "\n")
		if !flush() {
			return
		}
		pieceSize := int64(cut)
		pending = func() bool { return emit(Piece{Records: <-parsed, Size: pieceSize}) }
	}
	if flush() {
		emit(last())
	}
}

// readUpTo reads r to its end, or to just past limit bytes (size, the
// file's size when listed, sizes the first buffer), looking at ctx between
// pieces of readBytes.
func readUpTo(ctx context.Context, r io.Reader, size int64, limit int) ([]byte, error) {
	buf := make([]byte, 0, min(max(size, 0), int64(limit), 64<<20)+1)
	for len(buf) <= limit {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), limit+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), len(buf)+readBytes, limit+1)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// CSVText reads a whole CSV file from r (of size bytes when listed) as File
// reads one: within the file limit (a *TooLargeError beyond it, found
// before more is read), its byte-order mark dropped and its text prepared
// (PrepareText), bad the lines that were not valid UTF-8.
func CSVText(ctx context.Context, r io.Reader, size int64) (text string, bad []int, err error) {
	data, err := readUpTo(ctx, r, size, textLimit)
	if err != nil {
		return "", nil, err
	}
	if len(data) > textLimit {
		return "", nil, &TooLargeError{Limit: sizeText(textLimit)}
	}
	text, bad = PrepareText(TrimBOM(data))
	return text, bad, nil
}

// TooLargeError is a file larger than the most read whole.
type TooLargeError struct {
	Limit string // the limit, as messages say it (1 GiB)
}

func (e *TooLargeError) Error() string { return "larger than " + e.Limit }

// breaks counts the line breaks in data: LF, CRLF and lone CR.
func breaks(data []byte) int {
	return bytes.Count(data, []byte{'\n'}) + bytes.Count(data, []byte{'\r'}) - bytes.Count(data, []byte("\r\n"))
}

// lastBreak is where data ends after its last whole line break: a LF, or a
// CR with something after it other than a LF (a CR that ends data may be
// the start of a CRLF); 0 when there is none.
func lastBreak(data []byte) int {
	for i := len(data) - 1; i >= 0; i-- {
		switch data[i] {
		case '\n':
			return i + 1
		case '\r':
			if i+1 < len(data) { // not followed by a LF, or that LF was found first
				return i + 1
			}
		}
	}
	return 0
}

// HashFile is the sha256 of a file, in hex, read in pieces, stopping with
// ctx's error as soon as ctx is done: a seed's fingerprint (seeds are
// small, and their state has always kept that kind).
func HashFile(ctx context.Context, path string) (string, error) {
	return fingerprint.File(ctx, path, fingerprint.SHA256)
}
