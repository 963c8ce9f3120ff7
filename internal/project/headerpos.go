package project

import (
	"strings"

	"github.com/digitalservices/elt/internal/diag"
)

// HeaderPos is the line and column, in the model file, of the value at path
// in the model's header (keys of mappings, indexes of sequences: "columns",
// "2", "name"); when the path does not lead to a node, the deepest node on
// the way (the header's first line when the file has none).
func (m *Model) HeaderPos(path ...string) (line, col int) {
	line, col, _ = m.headerValue(path...)
	return line, col
}

// headerValue is HeaderPos, and whether the whole path is in the header.
func (m *Model) headerValue(path ...string) (line, col int, found bool) {
	text := m.Text
	start := len(text) - len(strings.TrimLeft(text, " \t\r\n"))
	if !strings.HasPrefix(text[start:], "/*") {
		return 1, 1, false
	}
	end := strings.Index(text[start+2:], "*/")
	if end < 0 {
		return 1, 1, false
	}
	yamlStart := start + 2
	lineOff, colOff := diag.Position(text, yamlStart)
	line, col, found, ok := diag.NewLocator(text[yamlStart : yamlStart+end]).Value(path...)
	if !ok {
		return lineOff, colOff, false
	}
	if line == 1 {
		col += colOff - 1
	}
	return line + lineOff - 1, col, found
}

// HeaderError is an error at the value at path in the model's header (see
// HeaderPos).
func (m *Model) HeaderError(path []string, format string, args ...any) *diag.FileError {
	line, col := m.HeaderPos(path...)
	return diag.At(m.Path, m.Text, line, col, format, args...)
}
