package read

import (
	"bytes"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/digitalservices/elt/internal/ingest/read/csvscan"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// TrimBOM is data without its byte-order mark, if it has one.
func TrimBOM(data []byte) []byte { return bytes.TrimPrefix(data, bom) }

// PrepareText makes text (a file's, or a chunk of whole lines of it, with
// any byte-order mark already dropped) ready to read, taking data over:
// every line break (LF, CRLF or a lone CR) becomes LF, and a line that is
// not valid UTF-8 (or holds a NUL byte) has its bad bytes replaced; those
// lines' numbers are returned, to be quarantined as invalid_encoding.
func PrepareText(data []byte) (string, []int) {
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
		// data is the caller's to give away (a file just read): its bytes
		// become the text without a copy, and are never changed after.
		return unsafe.String(unsafe.SliceData(data), len(data)), nil
	}
	lines := bytes.Split(data, []byte{'\n'})
	var bad []int
	for i, l := range lines {
		if !utf8.Valid(l) || bytes.IndexByte(l, 0) >= 0 {
			bad = append(bad, i+1)
			fixed := strings.ToValidUTF8(string(l), "\uFFFD")
			lines[i] = []byte(strings.ReplaceAll(fixed, "\x00", "\uFFFD"))
		}
	}
	return string(bytes.Join(lines, []byte{'\n'})), bad
}

// Reasons of records that ingestion rejects before any field rule, as the
// quarantine names them.
const (
	InvalidEncoding  = csvscan.InvalidEncoding
	MalformedJSON    = "malformed_json"
	MalformedCSV     = csvscan.MalformedCSV
	WrongColumnCount = "wrong_column_count"
)

// CSVRecord is one record of a CSV file as the contract reads it.
type CSVRecord = csvscan.Record

// ScanCSV splits a prepared CSV text into records (csvscan.Scan): seeds
// are read by the same scanner as bronze files.
func ScanCSV(text string, bad []int) []CSVRecord { return csvscan.Scan(text, bad) }

// csvRecords reads a CSV file's records (see csvscan.Scan) as the declared
// fields' values: columns are matched by header name (trimmed, any case);
// the header is the first record. A malformed header, or one naming twice a
// column the source reads, makes every record malformed_csv.
func csvRecords(text string, bad []int, columns []string) *Records {
	recs := csvscan.ScanUnsplit(text, bad)
	out := newRecords(text, len(columns), max(len(recs)-1, 0))
	kinds, vals := make([]uint8, len(columns)), make([]span, len(columns))
	var idx []int
	var cut []span // a plain record's fields, as pieces of the text
	ncols, headerBad := 0, false
	for k, r := range recs {
		if k == 0 {
			if r.Plain {
				r.Fields = strings.Split(r.Raw, ",")
			}
			headerBad = r.Reason != ""
			pos := map[string]int{}
			dup := false
			for i, c := range r.Fields {
				name := strings.ToLower(strings.Trim(c, " "))
				if _, ok := pos[name]; ok {
					dup = dup || containsFold(columns, name)
					continue
				}
				pos[name] = i
			}
			headerBad = headerBad || dup
			ncols = len(r.Fields)
			cut = make([]span, 0, ncols)
			idx = make([]int, len(columns))
			for i, c := range columns {
				idx[i] = -1
				if p, ok := pos[strings.ToLower(c)]; ok {
					idx[i] = p
				}
			}
			continue
		}
		// A record's raw text is a piece of the file's text (unless a bad
		// line inside it reads as empty); its values are kept apart, as
		// unquoting makes new strings, but for a plain record's, which are
		// pieces of the text too.
		raw := span{uint32(r.At), uint32(len(r.Raw))}
		if r.At < 0 {
			raw = out.keep(r.Raw)
		}
		fields := len(r.Fields)
		if r.Plain {
			cut = cut[:0]
			for at, rest := r.At, r.Raw; ; {
				i := strings.IndexByte(rest, ',')
				if i < 0 {
					cut = append(cut, span{uint32(at), uint32(len(rest))})
					break
				}
				cut = append(cut, span{uint32(at), uint32(i)})
				at, rest = at+i+1, rest[i+1:]
			}
			fields = len(cut)
		}
		switch {
		case r.Reason == InvalidEncoding:
			out.addBad(r.Line, raw, badEncoding)
		case r.Reason == MalformedCSV || headerBad:
			out.addBad(r.Line, raw, badCSV)
		case fields != ncols:
			out.addBad(r.Line, raw, badColumnCount)
		default:
			for i, p := range idx {
				kinds[i], vals[i] = KindAbsent, span{}
				switch {
				case p < 0:
				case r.Plain:
					kinds[i], vals[i] = KindString, cut[p]
				default:
					kinds[i], vals[i] = KindString, out.keep(r.Fields[p])
				}
			}
			out.add(r.Line, raw, badNone, kinds, vals)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
