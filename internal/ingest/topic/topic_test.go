package topic

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/stream"
)

// TestLimit: max_records is shared among the partitions with something
// to read, in turn, and never reads past a partition's end.
func TestLimit(t *testing.T) {
	for _, tc := range []struct {
		most       int64
		from, ends []int64
		want       []int64
	}{
		{0, []int64{0, 5}, []int64{10, 20}, []int64{10, 20}},
		{100, []int64{0, 5}, []int64{10, 20}, []int64{10, 20}},
		{10, []int64{0, 0, 0}, []int64{100, 100, 100}, []int64{4, 3, 3}},
		{10, []int64{0, 0}, []int64{2, 100}, []int64{2, 8}},
		{3, []int64{7, 7}, []int64{7, 100}, []int64{7, 10}},
		{1, []int64{0, 0, 0}, []int64{5, 5, 5}, []int64{1, 0, 0}},
	} {
		b := stream.Batch{}
		for i := range tc.from {
			b.Ranges = append(b.Ranges, stream.Range{Partition: int32(i), From: tc.from[i], End: tc.ends[i]})
		}
		limit(&b, tc.most)
		var got []int64
		var n int64
		for i, r := range b.Ranges {
			got = append(got, r.End)
			n += r.End - tc.from[i]
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("limit %d of %v..%v: ends %v, want %v", tc.most, tc.from, tc.ends, got, tc.want)
		}
		if tc.most > 0 && n > tc.most {
			t.Errorf("limit %d: %d offsets planned", tc.most, n)
		}
	}
}

// TestMessagesBatch: messages are laid out a part per partition, in the
// order read, each with its key (NULL without one; escaped when it is not
// text), partition and timestamp.
func TestMessagesBatch(t *testing.T) {
	m := &messages{columns: []string{"id"}}
	at := time.UnixMilli(1_700_000_000_123)
	m.add(stream.Record{Partition: 0, Offset: 5, Key: []byte("k"), Value: []byte(`{"id": 1}`), Timestamp: at})
	m.add(stream.Record{Partition: 0, Offset: 7, Value: []byte("{\n\"id\": 2\n}"), Timestamp: at})
	m.add(stream.Record{Partition: 2, Offset: 0, Key: []byte("\xff"), Value: []byte(`{"id": "\u00e9"}`), Timestamp: at})
	if m.n != 3 || len(m.parts) != 2 {
		t.Fatalf("%d messages in %d parts, want 3 in 2", m.n, len(m.parts))
	}
	if p := m.parts[1]; !p.encoding[0] || p.keys.String()[p.keyAt[0][0]:p.keyAt[0][1]] != `\xFF` {
		t.Errorf("a key that is not UTF-8: encoding ok %v, keys %q; want the message kept and its key escaped", p.encoding[0], p.keys.String())
	}
	var b strings.Builder
	escapeKey(&b, []byte("\x00\x00\x01é\xffk"))
	if b.String() != "\\x00\\x00\x01é\\xFFk" {
		t.Errorf("escapeKey: %q", b.String())
	}
	if p := m.parts[0]; p.keyAt[1][0] >= 0 || p.keys.String()[p.keyAt[0][0]:p.keyAt[0][1]] != "k" {
		t.Errorf("keys %q at %v, want k and none", p.keys.String(), p.keyAt)
	}
	recs, files, extra := m.batch(func(p int32) string { return File("t", p) })
	if strings.Join(files, " ") != "kafka://t/0 kafka://t/2" || len(recs) != 2 || recs[0].Len() != 2 || recs[0].Line(1) != 7 || recs[0].Raw(1) != "{\n\"id\": 2\n}" {
		t.Errorf("files %v, records %d; first part's second line %d, raw %q", files, len(recs), recs[0].Line(1), recs[0].Raw(1))
	}
	if len(extra.Cols) != 3 || len(extra.SQL) != 3 || m.n != 0 || m.parts != nil {
		t.Errorf("extra %d columns, %d SQL; gathered left %d", len(extra.Cols), len(extra.SQL), m.n)
	}
}

// TestResetTexts: what a reset skipped is said per partition, and for a
// recreated topic once.
func TestResetTexts(t *testing.T) {
	b := stream.Batch{Reset: []*stream.OffsetError{
		{Topic: "t", Partition: 1, Stored: 5, LogStart: 9, Reason: stream.Retention},
		{Topic: "t", Partition: 2, Stored: 50, End: 20, Reason: stream.Truncated},
		{Topic: "t", Partition: -1, StoredID: "A", TopicID: "B", Reason: stream.Recreated},
	}}
	got := resetTexts(b, stream.Earliest)
	for p, want := range map[int32]string{
		1:  "--reset-offsets earliest: topic t partition 1: offsets 5 to 8 were removed before they were read (4 messages lost)",
		2:  "--reset-offsets earliest: topic t partition 2: the next offset, 50, was past the partition's end, 20 (truncated)",
		-1: "--reset-offsets earliest: topic t: the topic was deleted and recreated (id A before, B now)",
	} {
		if got[p] != want {
			t.Errorf("partition %d: %q, want %q", p, got[p], want)
		}
	}
}
