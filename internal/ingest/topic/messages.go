package topic

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/ingest/read"
	"github.com/digitalservices/elt/internal/stream"
	"github.com/digitalservices/elt/internal/warehouse"
)

// messages gathers a batch's messages: each value is one record, checked
// as an NDJSON line is (read.JSONRecords): invalid_encoding when it is not
// UTF-8 or holds a NUL byte (or its key does), malformed_json when it is
// not one strict JSON object (an empty value, a tombstone, included). A
// record's line is its offset; its key, partition and timestamp go beside
// it in the frame (extra), for bronze's Kafka columns.
type messages struct {
	columns []string
	parts   []part
	size    int // bytes of values gathered
	n       int // messages gathered
}

// part is one partition's messages in a batch.
type part struct {
	partition int32
	text      strings.Builder
	at        [][2]int
	offsets   []int64
	encoding  []bool
	keys      []*string
	ts        []int64 // milliseconds since the epoch
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

// add adds a message.
func (m *messages) add(r stream.Record) {
	if len(m.parts) == 0 || m.parts[len(m.parts)-1].partition != r.Partition {
		m.parts = append(m.parts, part{partition: r.Partition})
	}
	p := &m.parts[len(m.parts)-1]
	from := p.text.Len()
	ok := valid(r.Value)
	if ok {
		p.text.Write(r.Value) // copied once, into the part's text
	} else {
		p.text.WriteString(clean(r.Value))
	}
	var key *string
	if r.Key != nil {
		k := clean(r.Key)
		key, ok = &k, ok && valid(r.Key)
	}
	p.at = append(p.at, [2]int{from, p.text.Len()})
	p.offsets = append(p.offsets, r.Offset)
	p.encoding = append(p.encoding, ok)
	p.keys = append(p.keys, key)
	p.ts = append(p.ts, r.Timestamp.UnixMilli())
	m.size += p.text.Len() - from
	m.n++
}

// batch is the gathered messages as records, a part per partition named
// by file, with the frame's Kafka columns; it empties m.
func (m *messages) batch(file func(int32) string) ([]*read.Records, []string, ingest.Extra) {
	key, partition, ts := warehouse.TextColumn("_kkey", m.n), warehouse.IntColumn("_kpart", m.n), warehouse.IntColumn("_kts", m.n)
	var recs []*read.Records
	var files []string
	for i := range m.parts {
		p := &m.parts[i]
		recs = append(recs, read.JSONRecords(p.text.String(), p.at, p.offsets, p.encoding, m.columns))
		files = append(files, file(p.partition))
		for k := range p.offsets {
			if p.keys[k] == nil {
				key.AddNull()
			} else {
				key.AddString(*p.keys[k])
			}
			partition.AddInt(int64(p.partition))
			ts.AddInt(p.ts[k])
		}
	}
	m.parts, m.size, m.n = nil, 0, 0
	return recs, files, ingest.Extra{
		Cols: []*warehouse.Column{key, partition, ts},
		SQL:  []string{"_kkey AS _kafka_key", "_kpart::INTEGER AS _kafka_partition", "epoch_ms(_kts) AS _kafka_timestamp"},
	}
}
