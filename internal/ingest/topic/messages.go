package topic

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/ingest/read"
	"github.com/digitalservices/elt/internal/stream"
	"github.com/digitalservices/elt/internal/warehouse/frame"
)

// messages gathers a batch's messages: each value is one record, checked
// as an NDJSON line is (read.JSONRecords): invalid_encoding when it is not
// UTF-8 or holds a NUL byte, malformed_json when it is not one strict JSON
// object (an empty value, a tombstone, included); a key that is not text
// is kept escaped (escapeKey). A
// record's line is its offset; its key, partition and timestamp go beside
// it in the frame (extra), for bronze's Kafka columns.
type messages struct {
	columns []string
	// limit is the batch's size in bytes of values, which its text is
	// made room for at once: a buffer grown by doubling would hold up to
	// twice the batch, and copy it, under Go's memory limit (elt set
	// 256 MB then, 384 MB now, and a batch loads while the next is
	// gathered); at 2M messages Go collected its garbage about 200 times
	// so, and ingestion took 11-12 s instead of 6-7.
	limit int
	text  []byte // the values, one after another, never changed once batched
	parts []part
	size  int // bytes of values gathered
	n     int // messages gathered
}

// part is one partition's messages in a batch.
type part struct {
	partition int32
	at        [][2]int // where each value is in the batch's text
	offsets   []int64
	encoding  []bool
	// keys are the messages' keys as text, keyAt where each is in it
	// (-1 for none): no pointer per message for Go's collector to chase.
	keys  strings.Builder
	keyAt [][2]int
	ts    []int64 // milliseconds since the epoch
}

// valid tells whether b is UTF-8 without NUL bytes, as a record's text
// must be.
func valid(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

// clean is b as text, made valid UTF-8 without NUL bytes when it is not.
func clean(b []byte) string {
	if valid(b) {
		return string(b)
	}
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "\uFFFD")
}

// escapeKey writes a key that is not text (an integer or a UUID as bytes,
// a schema registry's framing) as DuckDB writes a BLOB as text: each byte
// that is not part of valid UTF-8, and NUL, as \xNN, so the message is
// kept and its key still tells keys apart.
func escapeKey(w *strings.Builder, key []byte) {
	for len(key) > 0 {
		r, n := utf8.DecodeRune(key)
		switch {
		case (r == utf8.RuneError && n == 1) || r == 0:
			fmt.Fprintf(w, "\\x%02X", key[0])
		default:
			w.Write(key[:n])
		}
		key = key[n:]
	}
}

// add adds a message.
func (m *messages) add(r stream.Record) {
	if m.text == nil {
		m.text = make([]byte, 0, m.limit+len(r.Value))
	}
	if len(m.parts) == 0 || m.parts[len(m.parts)-1].partition != r.Partition {
		m.parts = append(m.parts, part{partition: r.Partition})
	}
	p := &m.parts[len(m.parts)-1]
	from := len(m.text)
	ok := valid(r.Value)
	if ok {
		m.text = append(m.text, r.Value...) // copied once, into the batch's text
	} else {
		m.text = append(m.text, clean(r.Value)...)
	}
	at := [2]int{-1, -1}
	if r.Key != nil {
		at[0] = p.keys.Len()
		if valid(r.Key) {
			p.keys.Write(r.Key)
		} else {
			escapeKey(&p.keys, r.Key)
		}
		at[1] = p.keys.Len()
	}
	p.at = append(p.at, [2]int{from, len(m.text)})
	p.offsets = append(p.offsets, r.Offset)
	p.encoding = append(p.encoding, ok)
	p.keyAt = append(p.keyAt, at)
	p.ts = append(p.ts, r.Timestamp.UnixMilli())
	m.size = len(m.text)
	m.n++
}

// batch is the gathered messages as records, a part per partition named
// by file, with the frame's Kafka columns; it empties m.
func (m *messages) batch(file func(int32) string) ([]*read.Records, []string, ingest.Extra) {
	key, partition, ts := frame.TextColumn("_kkey", m.n), frame.IntColumn("_kpart", m.n), frame.IntColumn("_kts", m.n)
	var recs []*read.Records
	var files []string
	// The records' text is the batch's, shared without a copy: the next
	// batch gets a buffer of its own, so this one never changes.
	text := unsafe.String(unsafe.SliceData(m.text), len(m.text))
	for i := range m.parts {
		p := &m.parts[i]
		recs = append(recs, read.JSONRecords(text, p.at, p.offsets, p.encoding, m.columns))
		files = append(files, file(p.partition))
		keys := key.AddSource(p.keys.String())
		for k := range p.offsets {
			if at := p.keyAt[k]; at[0] < 0 {
				key.AddNull()
			} else {
				key.AddSpan(keys, uint32(at[0]), uint32(at[1]-at[0]))
			}
			partition.AddInt(int64(p.partition))
			ts.AddInt(p.ts[k])
		}
	}
	m.text, m.parts, m.size, m.n = nil, nil, 0, 0
	return recs, files, ingest.Extra{
		Cols: []*frame.Column{key, partition, ts},
		SQL:  []string{"_kkey AS _kafka_key", "_kpart::INTEGER AS _kafka_partition", "epoch_ms(_kts) AS _kafka_timestamp"},
	}
}
