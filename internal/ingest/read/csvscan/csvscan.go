// Package csvscan splits a prepared CSV text (LF line breaks, its bad
// lines numbered) into records as the data contract reads CSV: RFC 4180,
// a quoted field holding commas, doubled quotes and line breaks; text after
// a closing quote, or a quote never closed, is malformed_csv. Bronze files
// (ingest/read) and seeds are read by it.
package csvscan

import "strings"

// Reasons a record is set aside for, as the quarantine names them.
const (
	InvalidEncoding = "invalid_encoding"
	MalformedCSV    = "malformed_csv"
)

// Record is one record of a CSV file as the contract reads it (RFC 4180).
type Record struct {
	Line   int // the physical line it starts on
	Raw    string
	At     int      // where Raw is in the text; -1 when it is not a piece of it
	Reason string   // "", invalid_encoding, malformed_csv or wrong_column_count
	Fields []string // unquoted
	// Plain tells that the record is one line without a quote: its fields
	// are the pieces of Raw between its commas (Fields nil from
	// ScanUnsplit).
	Plain bool
}

// Blank tells whether a line holds nothing but spaces, tabs, vertical tabs
// or form feeds: no record, in CSV as in NDJSON.
func Blank(s string) bool { return strings.Trim(s, " \t\v\f") == "" }

// Scan splits a prepared CSV text (LF line breaks; bad lines numbered in
// bad) into records. A quoted field may hold commas, doubled quotes and line
// breaks. Text after a closing quote makes the record malformed_csv; a quote
// open at the end of the file makes the record its first line only, also
// malformed_csv, and reading resumes at the next line. A line that is not
// valid UTF-8 is a record of its own (invalid_encoding), and inside an open
// quoted field it reads as an empty line.
func Scan(text string, bad []int) []Record { return scan(text, bad, true) }

// ScanUnsplit is Scan, but a plain record's Fields are nil: its reader
// cuts Raw at its commas itself, into pieces of the text.
func ScanUnsplit(text string, bad []int) []Record { return scan(text, bad, false) }

func scan(text string, bad []int, split bool) []Record {
	lines := strings.Split(text, "\n")
	offs := make([]int, len(lines)+1) // where each line starts
	for i, l := range lines {
		offs[i+1] = offs[i] + len(l) + 1
	}
	isBad := make(map[int]bool, len(bad))
	for _, n := range bad {
		isBad[n] = true
	}
	var out []Record
	for i := 0; i < len(lines); {
		n := i + 1
		switch {
		case isBad[n]:
			out = append(out, Record{Line: n, Raw: lines[i], At: offs[i], Reason: InvalidEncoding})
			i++
			continue
		case Blank(lines[i]):
			i++
			continue
		case strings.IndexByte(lines[i], '"') < 0:
			// Most lines quote nothing: a record each, cut at its commas
			// (a third of the time of reading it a byte at a time).
			rec := Record{Line: n, Raw: lines[i], At: offs[i], Plain: true}
			if split {
				rec.Fields = strings.Split(lines[i], ",")
			}
			out = append(out, rec)
			i++
			continue
		}
		fields, next, inner, malformed, open := parseRecord(lines, i, isBad)
		if open {
			out = append(out, Record{Line: n, Raw: lines[i], At: offs[i], Reason: MalformedCSV})
			i++
			continue
		}
		rec := Record{Line: n, Fields: fields, At: offs[i]}
		if len(inner) > 0 {
			rec.At = -1 // its bad lines read as empty
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
			out = append(out, Record{Line: b, Raw: lines[b-1], At: offs[b-1], Reason: InvalidEncoding})
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
