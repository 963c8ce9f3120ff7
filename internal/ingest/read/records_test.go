package read

import (
	"slices"
	"testing"
)

// TestFrameStamps: Frame marks a string of a stamped field that has the
// timestamp shape as KindStamp, NDJSON and CSV alike; an escaped string
// too (its text is unescaped); other strings, other kinds, and the fields
// not stamped keep their kind.
func TestFrameStamps(t *testing.T) {
	ndjson := ndjsonRecords(`{"ts": "2026-11-01T09:40:55Z", "name": "2026-11-01T09:40:55Z"}
{"ts": "2026-11-01T09:40:55+0200", "name": "x"}
{"ts": 1764000000000}
{"ts": "2026-11-01T09:40:55\u005a"}
{"ts": " 2026-11-01 09:40:55"}`, nil, []string{"ts", "name"}, 1)
	csv := csvRecords("ts,name\n2026-11-01 09:40:55.123456,2026-11-01 09:40:55\n2026-13-01T09:40:55,\n", nil, []string{"ts", "name"})
	fr, err := Frame([]*Records{ndjson, csv}, nil, []Mark{Stamped, 0})
	if err != nil {
		t.Fatal(err)
	}
	var k0 []int64
	for _, c := range fr.Columns {
		if c.Name == "_k0" {
			k0 = c.Ints
		}
	}
	var ts, name []uint8
	for _, w := range k0 {
		ts, name = append(ts, uint8(w&15)), append(name, uint8(w>>4&15))
	}
	// The CSV file's second row: a month 13 has the shape (the cast
	// refuses it, as it refuses it after the pattern).
	wantTS := []uint8{KindStamp, KindString, KindInteger, KindStamp, KindString, KindStamp, KindStamp}
	wantName := []uint8{KindString, KindString, KindAbsent, KindAbsent, KindAbsent, KindString, KindString}
	if !slices.Equal(ts, wantTS) || !slices.Equal(name, wantName) {
		t.Errorf("kinds of ts %v, want %v; of name %v, want %v", ts, wantTS, name, wantName)
	}
}
