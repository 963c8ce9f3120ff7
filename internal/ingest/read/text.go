package read

import (
	"bytes"
	"strings"
	"unicode/utf8"
	"unsafe"
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
	InvalidEncoding  = "invalid_encoding"
	MalformedJSON    = "malformed_json"
	MalformedCSV     = "malformed_csv"
	WrongColumnCount = "wrong_column_count"
)

// CSVRecord is one record of a CSV file as the contract reads it (RFC 4180).
type CSVRecord struct {
	Line   int // the physical line it starts on
	Raw    string
	at     int      // where Raw is in the text; -1 when it is not a piece of it
	Reason string   // "", invalid_encoding, malformed_csv or wrong_column_count
	Fields []string // unquoted
	// plain tells that the record is one line without a quote: its fields
	// are the pieces of Raw between its commas (Fields nil from scanCSV
	// without split).
	plain bool
}

// blank tells whether a line holds nothing but spaces, tabs, vertical tabs
// or form feeds: the same test lines.sql makes.
func blank(s string) bool { return strings.Trim(s, " \t\v\f") == "" }

// ScanCSV splits a prepared CSV text (LF line breaks; bad lines numbered in
// bad) into records. A quoted field may hold commas, doubled quotes and line
// breaks. Text after a closing quote makes the record malformed_csv; a quote
// open at the end of the file makes the record its first line only, also
// malformed_csv, and reading resumes at the next line. A line that is not
// valid UTF-8 is a record of its own (invalid_encoding), and inside an open
// quoted field it reads as an empty line.
func ScanCSV(text string, bad []int) []CSVRecord { return scanCSV(text, bad, true) }

// scanCSV is ScanCSV; without split, a plain record's Fields are left nil
// (its reader cuts Raw at its commas).
func scanCSV(text string, bad []int, split bool) []CSVRecord {
	lines := strings.Split(text, "\n")
	offs := make([]int, len(lines)+1) // where each line starts
	for i, l := range lines {
		offs[i+1] = offs[i] + len(l) + 1
	}
	isBad := make(map[int]bool, len(bad))
	for _, n := range bad {
		isBad[n] = true
	}
	var out []CSVRecord
	for i := 0; i < len(lines); {
		n := i + 1
		switch {
		case isBad[n]:
			out = append(out, CSVRecord{Line: n, Raw: lines[i], at: offs[i], Reason: InvalidEncoding})
			i++
			continue
		case blank(lines[i]):
			i++
			continue
		case strings.IndexByte(lines[i], '"') < 0:
			// Most lines quote nothing: a record each, cut at its commas
			// (a third of the time of reading it a byte at a time).
			rec := CSVRecord{Line: n, Raw: lines[i], at: offs[i], plain: true}
			if split {
				rec.Fields = strings.Split(lines[i], ",")
			}
			out = append(out, rec)
			i++
			continue
		}
		fields, next, inner, malformed, open := parseRecord(lines, i, isBad)
		if open {
			out = append(out, CSVRecord{Line: n, Raw: lines[i], at: offs[i], Reason: MalformedCSV})
			i++
			continue
		}
		rec := CSVRecord{Line: n, Fields: fields, at: offs[i]}
		if len(inner) > 0 {
			rec.at = -1 // its bad lines read as empty
		}
		raw := make([]string, 0, next-i)
		for j := i; j < next; j++ {
			if isBad[j+1] {
				raw = append(raw, "")
				continue
			}
			raw = append(raw, lines[j])
		}
		rec.Raw = strings.Join(raw, "\n")
		if malformed {
			rec.Reason = MalformedCSV
		}
		out = append(out, rec)
		for _, b := range inner {
			out = append(out, CSVRecord{Line: b, Raw: lines[b-1], at: offs[b-1], Reason: InvalidEncoding})
		}
		i = next
	}
	return out
}

// parseRecord reads the record starting at lines[i]: its fields, the index
// of the line after it, the bad lines inside its quoted fields, whether its
// quoting is malformed, and whether a quote was still open at the end.
func parseRecord(lines []string, i int, isBad map[int]bool) (fields []string, next int, inner []int, malformed, open bool) {
	var cur strings.Builder
	j, line, pos := i, lines[i], 0
	start, quoted, closed := true, false, false
	for {
		if pos == len(line) {
			if !quoted {
				return append(fields, cur.String()), j + 1, inner, malformed, false
			}
			j++ // a line break inside a quoted field
			if j >= len(lines) {
				return nil, 0, nil, false, true
			}
			cur.WriteByte('\n')
			line, pos = lines[j], 0
			if isBad[j+1] {
				inner = append(inner, j+1)
				line = ""
			}
			continue
		}
		c := line[pos]
		pos++
		switch {
		case quoted && c == '"' && pos < len(line) && line[pos] == '"':
			cur.WriteByte('"')
			pos++
		case quoted && c == '"':
			quoted, closed = false, true
		case quoted:
			cur.WriteByte(c)
		case c == ',':
			fields = append(fields, cur.String())
			cur.Reset()
			start, closed = true, false
		case closed:
			malformed = true // text after a closing quote
			cur.WriteByte(c)
		case c == '"' && start:
			quoted, start = true, false
		default:
			start = false
			cur.WriteByte(c)
		}
	}
}

// csvRecords reads a CSV file's records (see ScanCSV) as the declared
// fields' values: columns are matched by header name (trimmed, any case);
// the header is the first record. A malformed header, or one naming twice a
// column the source reads, makes every record malformed_csv.
func csvRecords(text string, bad []int, columns []string) *Records {
	recs := scanCSV(text, bad, false)
	out := newRecords(text, len(columns), max(len(recs)-1, 0))
	kinds, vals := make([]uint8, len(columns)), make([]span, len(columns))
	var idx []int
	var cut []span // a plain record's fields, as pieces of the text
	ncols, headerBad := 0, false
	for k, r := range recs {
		if k == 0 {
			if r.plain {
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
		raw := span{uint32(r.at), uint32(len(r.Raw))}
		if r.at < 0 {
			raw = out.keep(r.Raw)
		}
		fields := len(r.Fields)
		if r.plain {
			cut = cut[:0]
			for at, rest := r.at, r.Raw; ; {
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
				case r.plain:
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
