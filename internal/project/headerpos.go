package project

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/digitalservices/elt/internal/diag"
)

// HeaderPos is the line and column, in the model file, of the value at path
// in the model's header (keys of mappings, indexes of sequences: "columns",
// "2", "name"); when the path does not lead to a node, the deepest node on
// the way (the header's first line when the file has none).
func (m *Model) HeaderPos(path ...string) (line, col int) {
	n, _, lineOff, colOff := m.headerNode(path...)
	if n == nil {
		return lineOff, colOff
	}
	line, col = n.Line+lineOff-1, n.Column
	if n.Line == 1 {
		col += colOff - 1
	}
	return line, col
}

// headerNode is the node at path in the model's header, found, or the
// deepest node on the way; nil when the header is missing or does not
// parse. lineOff and colOff place the header's YAML in the file (where it
// begins; 1, 1 without a header).
func (m *Model) headerNode(path ...string) (n *yaml.Node, found bool, lineOff, colOff int) {
	text := m.Text
	start := len(text) - len(strings.TrimLeft(text, " \t\r\n"))
	if !strings.HasPrefix(text[start:], "/*") {
		return nil, false, 1, 1
	}
	end := strings.Index(text[start+2:], "*/")
	if end < 0 {
		return nil, false, 1, 1
	}
	yamlStart := start + 2
	lineOff, colOff = diag.Position(text, yamlStart)
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text[yamlStart:yamlStart+end]), &doc); err != nil || len(doc.Content) == 0 {
		return nil, false, lineOff, colOff
	}
	n = doc.Content[0]
	for _, p := range path {
		next := (*yaml.Node)(nil)
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					next = n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(p); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			return n, false, lineOff, colOff
		}
		n = next
	}
	return n, true, lineOff, colOff
}

// HeaderError is an error at the value at path in the model's header (see
// HeaderPos).
func (m *Model) HeaderError(path []string, format string, args ...any) *diag.FileError {
	line, col := m.HeaderPos(path...)
	return diag.At(m.Path, m.Text, line, col, format, args...)
}
