package read

// JSONRecords reads records that are not lines of a file (a Kafka topic's
// messages): record i is text[at[i][0]:at[i][1]], whatever line breaks it
// holds (JSON allows them between tokens), at line lines[i] (a message's
// offset); one whose encoding[i] is false (text made valid already) is
// rejected as invalid_encoding, one that is not a strict JSON object (see
// strictObject; an empty value too) as malformed_json.
func JSONRecords(text string, at [][2]int, lines []int64, encoding []bool, columns []string) *Records {
	recs := newRecords(text, len(columns), len(at))
	kinds, vals := make([]uint8, len(columns)), make([]span, len(columns))
	for i, a := range at {
		raw := span{uint32(a[0]), uint32(a[1] - a[0])}
		if !encoding[i] {
			recs.add64(lines[i], raw, badEncoding, nil, nil)
			continue
		}
		clear(kinds)
		clear(vals)
		p := jsonParser{s: text[a[0]:a[1]], want: columns, kinds: kinds, vals: vals, recs: recs, base: a[0]}
		if p.strictObject() {
			recs.add64(lines[i], raw, badNone, kinds, vals)
		} else {
			recs.add64(lines[i], raw, badJSON, nil, nil)
		}
	}
	return recs
}
