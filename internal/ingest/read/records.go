// Package read owns reading a bronze file's bytes into records: a file
// read once, NDJSON a chunk of whole lines at a time and CSV whole, within
// the line and file limits, hashed as it is read; its text prepared (line
// breaks, byte-order mark, bad encoding); the strict NDJSON parser, and
// CSV through the RFC 4180 scanner (csvscan); the records with each field's kind and text, laid
// out as a frame for DuckDB (elt_frame; ingest/rules has the view over it);
// and seed files, read by the same CSV reader.
package read

import (
	"fmt"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/warehouse/frame"
)

// Kinds of a field's value in a record, as Go read it. The rules test a
// field's JSON type as its kind (KindAbsent as SQL NULL): numbers compare
// faster than type names.
const (
	KindAbsent   uint8 = iota // no such field or column
	KindString                // a JSON string (unescaped) or a CSV value
	KindInteger               // a JSON integer within BIGINT, as written
	KindUnsigned              // a JSON integer above BIGINT, within UBIGINT
	KindBoolean               // true or false
	KindNull                  // JSON null
	KindObject                // a JSON object, as written
	KindArray                 // a JSON array, as written
	KindNumber                // any other JSON number, as written: DuckDB tells its type
	KindDouble                // what DuckDB reads as DOUBLE (never from Go)
	// KindStamp is a timestamp field's string of the contract's shape
	// (contract.TimestampShape, a Stamped field's): cast without the pattern.
	KindStamp
)

// JSONTypes are the kinds by the names of DuckDB's JSON types.
var JSONTypes = map[string]uint8{"VARCHAR": KindString, "BIGINT": KindInteger, "UBIGINT": KindUnsigned, "DOUBLE": KindDouble,
	"BOOLEAN": KindBoolean, "NULL": KindNull, "OBJECT": KindObject, "ARRAY": KindArray}

// Reasons a record is rejected before any field rule, as codes.
const (
	badNone uint8 = iota
	badEncoding
	badJSON
	badCSV
	badColumnCount
	badCount
)

// BadReasons name the codes (a frame's _bad; 0 for none).
var BadReasons = [badCount]string{"", InvalidEncoding, MalformedJSON, MalformedCSV, WrongColumnCount}

// Records are the records of a file (or of a chunk of one) as Go read
// them: each one's line, its raw text (kept for the quarantine), the reason
// it is rejected before any field rule (badNone for most), and the kind and
// text of each declared field. Texts are spans of the text read or of its
// unescaped strings, so millions of records hold no pointers for Go's
// garbage collector to chase.
type Records struct {
	text  string          // the prepared text: the file's, or a chunk of it
	alt   strings.Builder // values that are not a piece of text as they are
	line  []int64
	raw   []span
	bad   []uint8
	kinds [][]uint8 // [field][record]
	vals  [][]span  // [field][record]
}

// A span is n bytes at off of a file's text, or of its alt strings when
// n has altBit set.
type span struct{ off, n uint32 }

const altBit = 1 << 31

// maxText is the most text of a file read at once (an NDJSON chunk, a
// CSV file) that spans can point into: offsets are 32 bits, and a CSV
// file's values are kept beside its text.
const maxText = 1 << 30

func newRecords(text string, fields, capacity int) *Records {
	r := &Records{text: text, line: make([]int64, 0, capacity), raw: make([]span, 0, capacity), bad: make([]uint8, 0, capacity),
		kinds: make([][]uint8, fields), vals: make([][]span, fields)}
	for i := range fields {
		r.kinds[i] = make([]uint8, 0, capacity)
		r.vals[i] = make([]span, 0, capacity)
	}
	return r
}

// keep stores s, a value that is not a piece of the file's text.
func (r *Records) keep(s string) span {
	sp := span{uint32(r.alt.Len()), uint32(len(s)) | altBit}
	r.alt.WriteString(s)
	return sp
}

// str is the text of a span.
func (r *Records) str(s span) string {
	if s.n&altBit != 0 {
		return r.alt.String()[s.off : s.off+s.n&^altBit]
	}
	return r.text[s.off : s.off+s.n]
}

// add appends a record; kinds and vals (one per field) are copied.
func (r *Records) add(line int, raw span, bad uint8, kinds []uint8, vals []span) {
	r.add64(int64(line), raw, bad, kinds, vals)
}

// add64 appends a record at a line (or a message's offset) past int.
func (r *Records) add64(line int64, raw span, bad uint8, kinds []uint8, vals []span) {
	r.line = append(r.line, line)
	r.raw = append(r.raw, raw)
	r.bad = append(r.bad, bad)
	for i := range r.kinds {
		k, v := KindAbsent, span{}
		if bad == badNone {
			k, v = kinds[i], vals[i]
		}
		r.kinds[i] = append(r.kinds[i], k)
		r.vals[i] = append(r.vals[i], v)
	}
}

// addBad appends a record rejected before any field rule.
func (r *Records) addBad(line int, raw span, bad uint8) { r.add(line, raw, bad, nil, nil) }

// Len is the number of records.
func (r *Records) Len() int { return len(r.line) }

// Line is the line of the file record k starts on.
func (r *Records) Line(k int) int64 { return r.line[k] }

// Raw is the text of record k as the file has it (kept for the quarantine).
func (r *Records) Raw(k int) string { return r.str(r.raw[k]) }

// KindsPerColumn is how many fields' kinds one BIGINT column of a frame
// carries (four bits each).
const KindsPerColumn = 16

// A Mark tells Frame how to lay out a field's values.
type Mark uint8

const (
	// Stamped: a string of the timestamp shape is of KindStamp.
	Stamped Mark = 1 << iota
	// RawJSON: the field's text column is a frame.JSONColumn, which DuckDB
	// takes as JSON without checking it where it can (an Arrow stream).
	// Its objects, arrays, booleans and integers are JSON as written,
	// which this package's strict parser has checked; its strings are
	// their value, which a reader takes as text, never as JSON.
	RawJSON
)

// RawKinds are the kinds whose text in a RawJSON column is JSON as
// written.
var RawKinds = []uint8{KindObject, KindArray, KindBoolean, KindInteger, KindUnsigned}

// Frame lays a batch's records out for elt_frame: _fi (the file's 1-based
// place in the batch, or at[i] for batch[i] when at is given), _line, _bad, the fields' kinds packed into _k0, _k1…,
// and their texts _v1, _v2…; then the extra columns the caller filled, a
// value per record in batch order (a Kafka message's key, partition and
// timestamp). marks has one entry per field.
func Frame(batch []*Records, at []int, marks []Mark, extra ...*frame.Column) (*frame.Frame, error) {
	fields := len(marks)
	n := 0
	for _, r := range batch {
		n += r.Len()
	}
	fi, line, bad := frame.IntColumn("_fi", n), frame.IntColumn("_line", n), frame.IntColumn("_bad", n)
	packed := make([]*frame.Column, (fields+KindsPerColumn-1)/KindsPerColumn)
	for j := range packed {
		packed[j] = frame.IntColumn(fmt.Sprintf("_k%d", j), n)
	}
	vals := make([]*frame.Column, fields)
	for i := range vals {
		column := frame.TextColumn
		if marks[i]&RawJSON != 0 {
			column = frame.JSONColumn
		}
		vals[i] = column(fmt.Sprintf("_v%d", i+1), n)
	}
	for f, r := range batch {
		srcs := make([][2]uint32, len(vals)) // the file's text and alt strings, per column
		alt := r.alt.String()
		for i, col := range vals {
			srcs[i] = [2]uint32{col.AddSource(r.text), col.AddSource(alt)}
		}
		place := f + 1
		if at != nil {
			place = at[f]
		}
		for k := range r.line {
			fi.AddInt(int64(place))
			line.AddInt(r.line[k])
			bad.AddInt(int64(r.bad[k]))
			for j, col := range packed {
				var word int64
				for i := j * KindsPerColumn; i < min(fields, (j+1)*KindsPerColumn); i++ {
					kind := r.kinds[i][k]
					if kind == KindString && marks[i]&Stamped != 0 && contract.TimestampShape(r.str(r.vals[i][k])) {
						kind = KindStamp
					}
					word |= int64(kind) << (4 * (i % KindsPerColumn))
				}
				col.AddInt(word)
			}
			for i, col := range vals {
				switch sp := r.vals[i][k]; r.kinds[i][k] {
				case KindAbsent, KindNull:
					col.AddNull()
				default:
					if sp.n&altBit != 0 {
						col.AddSpan(srcs[i][1], sp.off, sp.n&^altBit)
					} else {
						col.AddSpan(srcs[i][0], sp.off, sp.n)
					}
				}
			}
		}
	}
	return frame.New(append(append(append([]*frame.Column{fi, line, bad}, packed...), vals...), extra...)...)
}

// Find is the place of the record at line, if the records hold it.
func (r *Records) Find(line int64) (int, bool) { return slices.BinarySearch(r.line, line) }
