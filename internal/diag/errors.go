// Package diag owns how elt reports a problem in a user's file: FileError
// at path:line:col with the source line and a caret under the column,
// Errors to report them all together, strict YAML decoding that places
// every unknown key and bad value, finding a YAML value's position by its
// key path, and the redaction of secrets from any message elt shows or keeps.
package diag

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"
)

// FileError is a problem at a position in a user's file. Its message shows
// the source line and a caret under the column, like a compiler.
type FileError struct {
	Path string // as the user knows it, relative to the project when possible
	Line int    // 1-based; 0 when the whole file is meant
	Col  int    // 1-based, in characters (the caret stands under the Col-th); 0 when unknown
	Msg  string
	// Source is the text of the offending line, shown under the message.
	Source string
	// Hint says what to do about it; optional.
	Hint string
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Source != "" {
		src := strings.ReplaceAll(e.Source, "\t", " ")
		fmt.Fprintf(&b, "\n  %4d | %s", e.Line, src)
		if e.Col > 0 && e.Col <= utf8.RuneCountInString(src)+1 {
			fmt.Fprintf(&b, "\n       | %s^", strings.Repeat(" ", e.Col-1))
		}
	}
	if e.Hint != "" {
		b.WriteString("\n  hint: ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// At builds a FileError whose source line is taken from text.
func At(path, text string, line, col int, format string, args ...any) *FileError {
	return &FileError{Path: path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...), Source: LineOf(text, line)}
}

// LineOf returns line n (1-based) of text without its line ending.
func LineOf(text string, n int) string {
	if n < 1 {
		return ""
	}
	for i := 1; i < n; i++ {
		j := strings.IndexByte(text, '\n')
		if j < 0 {
			return ""
		}
		text = text[j+1:]
	}
	if j := strings.IndexByte(text, '\n'); j >= 0 {
		text = text[:j]
	}
	return strings.TrimRight(text, "\r")
}

// Position converts a byte offset in text into a 1-based line and column,
// the column in characters.
func Position(text string, offset int) (line, col int) {
	if offset > len(text) {
		offset = len(text)
	}
	line = 1 + strings.Count(text[:offset], "\n")
	start := strings.LastIndexByte(text[:offset], '\n') + 1
	return line, utf8.RuneCountInString(text[start:offset]) + 1
}

// Errors is a list of problems reported together.
type Errors []error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Add appends err, flattening a nested list; nil is ignored.
func (es *Errors) Add(err error) {
	var nested Errors
	switch {
	case err == nil:
	case errors.As(err, &nested):
		*es = append(*es, nested...)
	default:
		*es = append(*es, err)
	}
}

// Err returns nil for an empty list, the list otherwise.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// UnwrapPath is the cause of a failed file operation without the path
// (the message that shows it names the path its own way).
func UnwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Plural is "s" unless n is 1, for the words of a message: fmt.Sprintf("%d file%s", n, Plural(n)).
func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
