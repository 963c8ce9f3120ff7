package yamledit

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/project"
)

// sourcesNode parses elt.yaml's text and returns its top-level mapping,
// the sources: key and its value (nil when there is none).
func sourcesNode(text string) (root, key, val *yaml.Node, err error) {
	var file yaml.Node
	// Decimal types are quoted first, as LoadConfig reads them; the lines
	// stay where they are.
	if err := yaml.Unmarshal([]byte(project.QuoteDecimals(text)), &file); err != nil {
		line, msg := diag.YAMLErrLine(err)
		return nil, nil, nil, diag.At(project.ConfigFile, text, line, 0, "invalid YAML: %s", msg)
	}
	if len(file.Content) == 0 {
		return nil, nil, nil, nil
	}
	root = file.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, nil, nil, &diag.FileError{Path: project.ConfigFile, Msg: "elt.yaml is not a mapping of settings"}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "sources" {
			return root, root.Content[i], root.Content[i+1], nil
		}
	}
	return root, nil, nil, nil
}

// HasSources tells whether elt.yaml's text has a sources: key.
func HasSources(text string) bool {
	_, key, _, err := sourcesNode(text)
	return err == nil && key != nil
}

// SourcesIndent is how many spaces elt.yaml's text indents the entries
// under its sources: (2 when it has none), so that entries written with it
// paste under that key.
func SourcesIndent(text string) int {
	_, _, val, err := sourcesNode(text)
	if err == nil && val != nil && val.Kind == yaml.MappingNode && val.Style != yaml.FlowStyle && len(val.Content) > 0 {
		return val.Content[0].Column - 1
	}
	return 2
}

// AddSources returns elt.yaml's text with source entries merged under its
// sources: key (made at the end of the file when missing). block holds the
// entries, indented by SourcesIndent(text), and names their names. The
// rest of the file is kept byte for byte, comments and blank lines
// included: the entries are spliced in where the parsed sources: mapping
// ends. A name already declared is an error at its line, and the result
// must load as elt.yaml.
func AddSources(text string, names []string, block string) (string, error) {
	root, key, val, err := sourcesNode(text)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(block, "\n") {
		block += "\n"
	}
	var out string
	switch {
	case key == nil:
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		out = text + "\nsources:\n" + block
	case val.Kind == yaml.ScalarNode && val.Tag == "!!null" && val.Value == "":
		out = insertAfter(text, key.Line, block)
	case val.Kind != yaml.MappingNode || val.Style == yaml.FlowStyle:
		e := diag.At(project.ConfigFile, text, key.Line, key.Column, "sources: is not a block mapping, so the inferred sources cannot be merged into it")
		e.Hint = "write sources: as a block (one source name per line) or paste the entries by hand"
		return "", e
	default:
		for i := 0; i+1 < len(val.Content); i += 2 {
			k := val.Content[i]
			for _, n := range names {
				if strings.EqualFold(k.Value, n) {
					e := diag.At(project.ConfigFile, text, k.Line, k.Column, "source %s is already declared", k.Value)
					e.Hint = "rename the folder, or edit the declaration by hand; elt.yaml is unchanged"
					return "", e
				}
			}
		}
		// The mapping ends before the next top-level key (or the end of
		// the file), less the blank and comment lines before that key.
		lines := strings.SplitAfter(text, "\n")
		end := len(lines)
		if lines[end-1] == "" {
			end--
		}
		if next := nextTopKey(root, key); next > 0 {
			end = next - 1
		}
		for ; end > key.Line; end-- {
			if t := strings.TrimSpace(lines[end-1]); t != "" && !strings.HasPrefix(t, "#") {
				break
			}
		}
		out = insertAfter(text, end, block)
	}
	if _, err := project.ParseConfig(out); err != nil {
		return "", fmt.Errorf("the merged elt.yaml would not load, it is unchanged: %w", err)
	}
	return out, nil
}

// nextTopKey is the line of the top-level key of root after key, 0 when
// key is the last.
func nextTopKey(root, key *yaml.Node) int {
	for i := 0; i+3 < len(root.Content); i += 2 {
		if root.Content[i] == key {
			return root.Content[i+2].Line
		}
	}
	return 0
}

// insertAfter puts lines after line n (1-based) of text.
func insertAfter(text string, n int, lines string) string {
	all := strings.SplitAfter(text, "\n")
	var b strings.Builder
	done := false
	for i, l := range all {
		b.WriteString(l)
		if i+1 == n && !done {
			if !strings.HasSuffix(l, "\n") {
				b.WriteString("\n")
			}
			b.WriteString(lines)
			done = true
		}
	}
	if !done {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteString("\n")
		}
		b.WriteString(lines)
	}
	return b.String()
}
