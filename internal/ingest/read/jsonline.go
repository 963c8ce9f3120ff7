package read

import (
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/digitalservices/elt/internal/ingest/read/csvscan"
)

// ndjsonRecords reads a prepared NDJSON text (LF line breaks; the lines in
// badLines were not valid UTF-8; its first line is line firstLine of its
// file, and badLines count from there): every non-blank line is a record,
// rejected as invalid_encoding or malformed_json (not one strict JSON
// object, see strictObject), or else with the kind and text of each
// top-level key asked for, in the order of keys.
func ndjsonRecords(text string, badLines []int, keys []string, firstLine int) *Records {
	skip := make(map[int]bool, len(badLines))
	for _, n := range badLines {
		skip[n] = true
	}
	recs := newRecords(text, len(keys), strings.Count(text, "\n")+1)
	kinds, vals := make([]uint8, len(keys)), make([]span, len(keys))
	for n, off := 1, 0; off < len(text); n++ {
		at := firstLine + n - 1 // the line in the file
		line := text[off:]
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		raw := span{uint32(off), uint32(len(line))}
		switch {
		case skip[n]:
			recs.addBad(at, raw, badEncoding)
		case csvscan.Blank(line):
		default:
			clear(kinds)
			clear(vals)
			p := jsonParser{s: line, want: keys, kinds: kinds, vals: vals, recs: recs, base: off}
			if p.strictObject() {
				recs.add(at, raw, badNone, kinds, vals)
			} else {
				recs.addBad(at, raw, badJSON)
			}
		}
		off += len(line) + 1
	}
	return recs
}

// strictObject tells whether line is exactly one JSON object as RFC 8259
// defines it (white space around it allowed): no NaN or Infinity, no
// trailing commas, no comments or single quotes, no control characters or
// lone surrogate escapes in strings, and no key repeated at the top level
// (which value would win is ambiguous). Keys repeated inside nested values
// are allowed.
func strictObject(line string) bool {
	p := jsonParser{s: line}
	return p.strictObject()
}

func (p *jsonParser) strictObject() bool {
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return false
	}
	if !p.object(true) {
		return false
	}
	p.space()
	return p.i == len(p.s)
}

// jsonParser is a strict recursive-descent JSON checker over s. The
// values of the top-level keys in want are kept: their kind and text go to
// kinds and vals at the key's index, as spans of recs' text (s is the line
// at base in it) or, for a string with escapes, of its alt strings.
type jsonParser struct {
	s     string
	i     int
	depth int
	want  []string // the keys to keep, in field order
	kinds []uint8
	vals  []span
	recs  *Records
	base  int
	// after is the index of the key kept after the last one (wanted), kept
	// the bits of the first 64 keys kept (a key kept twice is refused).
	after int
	kept  uint64
}

func (p *jsonParser) space() {
	for p.i < len(p.s) {
		if c := p.s[p.i]; c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			return
		}
		p.i++
	}
}

func (p *jsonParser) value() bool {
	p.space()
	if p.i >= len(p.s) {
		return false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(false)
	case c == '[':
		return p.array()
	case c == '"':
		_, _, ok := p.str(false)
		return ok
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return false
}

// wanted is the index of key k among the keys to keep, -1 if it is none.
// Records mostly list their keys in one order: the key after the last one
// kept is tried first. The keys to keep are distinct (the contract refuses
// two fields of one key), so an index names one key, and kept's bit for it
// refuses that key repeated.
func (p *jsonParser) wanted(k string) int {
	if p.after < len(p.want) && p.want[p.after] == k {
		p.after++
		return p.after - 1
	}
	for i, w := range p.want {
		if w == k {
			p.after = i + 1
			return i
		}
	}
	return -1
}

// keep reads a value at p.i and keeps its kind and text as field i's.
func (p *jsonParser) keep(i int) bool {
	p.space()
	if p.i >= len(p.s) {
		return false
	}
	start := p.i
	switch c := p.s[p.i]; {
	case c == '"':
		s, escaped, ok := p.str(true)
		p.kinds[i], p.vals[i] = KindString, span{uint32(p.base + start + 1), uint32(len(s))}
		if escaped {
			p.vals[i] = p.recs.keep(s)
		}
		return ok
	case c == '{':
		p.kinds[i] = KindObject
	case c == '[':
		p.kinds[i] = KindArray
	case c == 't' || c == 'f':
		p.kinds[i] = KindBoolean
	case c == 'n':
		p.kinds[i] = KindNull
	default:
		p.kinds[i] = KindNumber
	}
	if !p.value() {
		return false
	}
	p.vals[i] = span{uint32(p.base + start), uint32(p.i - start)}
	if p.kinds[i] == KindNumber {
		p.kinds[i] = numberKind(p.s[start:p.i])
	}
	return true
}

// numberKind tells a JSON number's kind: an integer DuckDB keeps as written
// (BIGINT, or UBIGINT above it), else KindNumber for DuckDB to read.
func numberKind(s string) uint8 {
	if strings.ContainsAny(s, ".eE") || s == "-0" {
		return KindNumber
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return KindInteger
	}
	if _, err := strconv.ParseUint(s, 10, 64); err == nil {
		return KindUnsigned
	}
	return KindNumber
}

func (p *jsonParser) literal(w string) bool {
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// open enters a container at p.i (on its opening byte) and tells whether
// it is empty (and then already closed).
func (p *jsonParser) open(close byte) (empty bool) {
	p.i++
	p.space()
	if p.i < len(p.s) && p.s[p.i] == close {
		p.i++
		return true
	}
	return false
}

// next reads what follows an item of a container: a comma (more items) or
// its closing byte.
func (p *jsonParser) next(close byte) (more, ok bool) {
	p.space()
	if p.i >= len(p.s) {
		return false, false
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		return true, true
	case close:
		p.i++
		return false, true
	}
	return false, false
}

// object reads {...} at p.i; top says to refuse repeated keys.
func (p *jsonParser) object(top bool) bool {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 1000 {
		return false
	}
	if p.open('}') {
		return true
	}
	var seen *keySet // the other keys of the top level, made when one comes
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return false
		}
		k, _, ok := p.str(top)
		if !ok {
			return false
		}
		i := -1
		if top {
			// A key kept is told from the others without comparing it to
			// them: the keys kept are different from each other.
			if i = p.wanted(k); i >= 0 && i < 64 {
				if p.kept&(1<<i) != 0 {
					return false
				}
				p.kept |= 1 << i
			} else {
				if seen == nil {
					seen = new(keySet)
				}
				if !seen.add(k) {
					return false
				}
			}
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return false
		}
		p.i++
		if i >= 0 {
			if !p.keep(i) {
				return false
			}
		} else if !p.value() {
			return false
		}
		if more, ok := p.next('}'); !more {
			return ok
		}
	}
}

// keySet is the keys of an object seen so far: an array while there are
// few (most objects, with no allocation), a map after.
type keySet struct {
	few [16]string
	n   int
	set map[string]bool
}

// add adds k and tells whether it was new.
func (ks *keySet) add(k string) bool {
	if ks.set == nil {
		for _, x := range ks.few[:ks.n] {
			if x == k {
				return false
			}
		}
		if ks.n < len(ks.few) {
			ks.few[ks.n] = k
			ks.n++
			return true
		}
		ks.set = make(map[string]bool, 2*len(ks.few))
		for _, x := range ks.few {
			ks.set[x] = true
		}
	}
	if ks.set[k] {
		return false
	}
	ks.set[k] = true
	return true
}

func (p *jsonParser) array() bool {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 1000 {
		return false
	}
	if p.open(']') {
		return true
	}
	for {
		if !p.value() {
			return false
		}
		if more, ok := p.next(']'); !more {
			return ok
		}
	}
}

// str reads a string at p.i (on its opening quote); decode asks for its
// value, else only its validity is checked. escaped tells whether the value
// differs from the text between the quotes.
func (p *jsonParser) str(decode bool) (s string, escaped, ok bool) {
	p.i++
	start := p.i
	// Most strings have no escape: run to the closing quote, eight bytes
	// at a time while there are eight.
	j := p.i
	for ; j+8 <= len(p.s); j += 8 {
		if m := stringStops(le64(p.s[j:])); m != 0 {
			j += bits.TrailingZeros64(m) / 8
			break
		}
	}
	for ; j < len(p.s); j++ {
		if c := p.s[j]; c == '"' {
			p.i = j + 1
			return p.s[start:j], false, true
		} else if c == '\\' || c < 0x20 {
			break
		}
	}
	var b strings.Builder
	escaped = false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if !decode {
				return "", escaped, true
			}
			if !escaped {
				return p.s[start : p.i-1], false, true
			}
			return b.String(), true, true
		case c < 0x20:
			return "", false, false
		case c == '\\':
			if decode && !escaped {
				b.WriteString(p.s[start:p.i])
			}
			escaped = true
			p.i++
			if p.i >= len(p.s) {
				return "", false, false
			}
			switch e := p.s[p.i]; e {
			case '"', '\\', '/':
				b.WriteByte(e)
				p.i++
			case 'b', 'f', 'n', 'r', 't':
				b.WriteByte(control(e))
				p.i++
			case 'u':
				r, ok := p.hex4(p.i + 1)
				if !ok {
					return "", false, false
				}
				p.i += 5
				switch {
				case r >= 0xD800 && r <= 0xDBFF: // a high surrogate needs its low half
					if !strings.HasPrefix(p.s[p.i:], `\u`) {
						return "", false, false
					}
					lo, ok := p.hex4(p.i + 2)
					if !ok || lo < 0xDC00 || lo > 0xDFFF {
						return "", false, false
					}
					p.i += 6
					b.WriteRune(utf16.DecodeRune(r, lo))
				case r >= 0xDC00 && r <= 0xDFFF:
					return "", false, false
				default:
					b.WriteRune(r)
				}
			default:
				return "", false, false
			}
		default:
			if decode && escaped {
				b.WriteByte(c)
			}
			p.i++
		}
	}
	return "", false, false
}

// le64 is the first eight bytes of s, the first the lowest.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// stringStops has the high bit set of the lowest byte of v (eight bytes of
// a string's text, the first lowest) that ends a run of plain text: a
// quote, a backslash or a control character. Bytes above it may be marked
// wrongly (a borrow carries up), so only the lowest mark counts.
func stringStops(v uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	return zero(v^(ones*'"')) | zero(v^(ones*'\\')) | (v-ones*0x20)&^v&highs
}

// control is the character an escape such as \n stands for.
func control(e byte) byte {
	switch e {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	}
	return '\t'
}

func (p *jsonParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(p.s[at:at+4], 16, 16)
	return rune(v), err == nil
}

func (p *jsonParser) number() bool {
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return false
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return false
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}
