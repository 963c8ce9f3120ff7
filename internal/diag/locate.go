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
	n := l.root
	line, col := 1, 1
	if n == nil {
		return line, col, false
	}
	found := 0
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
			if i, err := strconv.Atoi(p); err == nil && i < len(n.Content) {
				at, next = n.Content[i], n.Content[i]
			}
		}
		if next == nil {
			break
		}
		line, col = at.Line, at.Column
		n = next
		found++
	}
	return line, col, found == len(path)
}
