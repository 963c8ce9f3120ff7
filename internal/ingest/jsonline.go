package ingest

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// malformedLines returns the numbers of the non-blank lines of a prepared
// NDJSON text that are not one strict JSON object (see strictObject),
// leaving out the lines already known to be badly encoded.
func malformedLines(text string, badEncoding []int) []int {
	skip := make(map[int]bool, len(badEncoding))
	for _, n := range badEncoding {
		skip[n] = true
	}
	var out []int
	for n := 1; len(text) > 0; n++ {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		if skip[n] || blank(line) {
			continue
		}
		if !strictObject(line) {
			out = append(out, n)
		}
	}
	return out
}

// strictObject tells whether line is exactly one JSON object as RFC 8259
// defines it (white space around it allowed): no NaN or Infinity, no
// trailing commas, no comments or single quotes, no control characters or
// lone surrogate escapes in strings, and no key repeated at the top level
// (which value would win is ambiguous). Keys repeated inside nested values
// are allowed.
func strictObject(line string) bool {
	p := jsonParser{s: line}
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

// jsonParser is a strict recursive-descent JSON checker over s.
type jsonParser struct {
	s     string
	i     int
	depth int
}

func (p *jsonParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
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
		_, ok := p.str(false)
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
	var keys map[string]bool
	if top {
		keys = map[string]bool{}
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return false
		}
		k, ok := p.str(top)
		if !ok {
			return false
		}
		if top {
			if keys[k] {
				return false
			}
			keys[k] = true
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return false
		}
		p.i++
		if !p.value() {
			return false
		}
		if more, ok := p.next('}'); !more {
			return ok
		}
	}
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
// value (for keys), else only its validity is checked.
func (p *jsonParser) str(decode bool) (string, bool) {
	p.i++
	start := p.i
	var b strings.Builder
	escaped := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if !decode {
				return "", true
			}
			if !escaped {
				return p.s[start : p.i-1], true
			}
			return b.String(), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if decode && !escaped {
				b.WriteString(p.s[start:p.i])
			}
			escaped = true
			p.i++
			if p.i >= len(p.s) {
				return "", false
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
					return "", false
				}
				p.i += 5
				switch {
				case r >= 0xD800 && r <= 0xDBFF: // a high surrogate needs its low half
					if !strings.HasPrefix(p.s[p.i:], `\u`) {
						return "", false
					}
					lo, ok := p.hex4(p.i + 2)
					if !ok || lo < 0xDC00 || lo > 0xDFFF {
						return "", false
					}
					p.i += 6
					b.WriteRune(utf16.DecodeRune(r, lo))
				case r >= 0xDC00 && r <= 0xDFFF:
					return "", false
				default:
					b.WriteRune(r)
				}
			default:
				return "", false
			}
		default:
			if decode && escaped {
				b.WriteByte(c)
			}
			p.i++
		}
	}
	return "", false
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
