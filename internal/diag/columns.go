package diag

import "unicode"

// CharColumn is the 1-based column, in characters, of a caret drawn width
// terminal columns into line: DuckDB draws its caret under the LINE
// context by the width of what precedes it on a terminal (a CJK
// character counts two, a combining mark none), not its bytes or
// characters. A caret past the line's end counts the columns past it as
// characters.
func CharColumn(line string, width int) int {
	chars := 0
	for _, r := range line {
		w := runeWidth(r)
		if width <= 0 && w > 0 {
			break
		}
		width -= w
		chars++
	}
	return chars + max(width, 0) + 1
}

// runeWidth is how many terminal columns r takes, as DuckDB's renderer
// (utf8proc) counts them: East Asian wide and fullwidth characters two,
// combining marks none, others one.
func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me):
		return 0
	case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0x303E, r >= 0x3041 && r <= 0x33FF,
		r >= 0x3400 && r <= 0x4DBF, r >= 0x4E00 && r <= 0x9FFF, r >= 0xA000 && r <= 0xA4CF,
		r >= 0xAC00 && r <= 0xD7A3, r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F,
		r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6, r >= 0x1F300 && r <= 0x1F64F,
		r >= 0x1F900 && r <= 0x1F9FF, r >= 0x20000 && r <= 0x3FFFD:
		return 2
	}
	return 1
}

// ByteOffset is the byte offset in text of the character offset pos, as
// DuckDB's parser names a position (json_serialize_sql's "position"
// counts characters); past the end, text's length. A negative pos stays.
func ByteOffset(text string, pos int) int {
	if pos <= 0 {
		return pos
	}
	for i := range text {
		if pos == 0 {
			return i
		}
		pos--
	}
	return len(text)
}
