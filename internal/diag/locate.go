package diag

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// Locator finds the line and column of a value in YAML text by its path of
// keys (and list indexes).
type Locator struct {
	root *yaml.Node
}

// NewLocator parses YAML text for Find and Lookup; a text that does not
// parse places everything at 1:1.
func NewLocator(text string) Locator {
	var doc yaml.Node
	if yaml.Unmarshal([]byte(text), &doc) != nil || len(doc.Content) == 0 {
		return Locator{}
	}
	return Locator{root: doc.Content[0]}
}

// Find returns the position of the deepest node of path that exists: the
// key of a mapping entry, or a list item.
func (l Locator) Find(path ...string) (int, int) {
	line, col, _ := l.Lookup(path...)
	return line, col
}

// Lookup is Find, and whether the whole path exists.
func (l Locator) Lookup(path ...string) (int, int, bool) {
	key, _, found := l.walk(path)
	if key == nil {
		return 1, 1, found
	}
	return key.Line, key.Column, found
}

// Value is the position of the value at path (not its key), or of the
// deepest value on the way when the path does not lead to one (the
// document's when none does), and whether the whole path exists; ok is
// false when the text did not parse.
func (l Locator) Value(path ...string) (line, col int, found, ok bool) {
	if l.root == nil {
		return 1, 1, false, false
	}
	_, v, found := l.walk(path)
	return v.Line, v.Column, found, true
}

// walk follows path from the root: the key (or list item) and the value
// of the deepest step that exists (nil, root for none), and whether every
// step did.
func (l Locator) walk(path []string) (key, value *yaml.Node, found bool) {
	n := l.root
	if n == nil {
		return nil, nil, len(path) == 0
	}
	for _, p := range path {
		var next, at *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					at, next = n.Content[i], n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(p); err == nil && i >= 0 && i < len(n.Content) {
				at, next = n.Content[i], n.Content[i]
			}
		}
		if next == nil {
			return key, n, false
		}
		key, n = at, next
	}
	return key, n, true
}
