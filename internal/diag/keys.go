package diag

import "regexp"

// FindKey is the line and column of the first "key:" in YAML text (1, 0
// when there is none), for errors about values that decoded fine but are
// not allowed.
func FindKey(text, key string) (int, int) {
	if off, ok := KeyAt(text, key); ok {
		return Position(text, off)
	}
	return 1, 0
}

// KeyAt is the byte offset of the first "key:" in YAML text, and whether
// there is one.
func KeyAt(text, key string) (int, bool) {
	re := regexp.MustCompile(`(?m)^(\s*-?\s*)` + regexp.QuoteMeta(key) + `\s*:`)
	if loc := re.FindStringSubmatchIndex(text); loc != nil {
		return loc[3], true
	}
	// A key in a flow mapping: {formats: [csv]}.
	inline := regexp.MustCompile(`[{,]\s*(` + regexp.QuoteMeta(key) + `)\s*:`)
	if loc := inline.FindStringSubmatchIndex(text); loc != nil {
		return loc[2], true
	}
	return 0, false
}
