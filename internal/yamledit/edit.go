// Package yamledit owns editing what a user wrote while keeping it as
// written: checks added under the columns of a model's header (checks
// suggest --write) and inferred sources merged into elt.yaml (source infer
// --write), every comment and untouched line kept byte for byte.
package yamledit

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/project"
)

// ColumnCheck is a check to add under a column of a model header, with a
// comment to put beside it.
type ColumnCheck struct {
	Check   contract.Check // Kind, Column and options
	Comment string
}

// CheckNode writes a check as a header writes it: a bare kind (not_null), or a
// kind with its options in flow style ({range: {min: 1, max: 9}}).
func CheckNode(c contract.Check) *yaml.Node {
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }
	num := func(f float64) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(f, 'f', -1, 64)}
	}
	flow := func(kids ...*yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: kids}
	}
	switch c.Kind {
	case "max_null_pct":
		return flow(str(c.Kind), num(c.Pct))
	case "accepted_values":
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, v := range c.Values {
			n := str(v)
			n.Style = yaml.DoubleQuotedStyle
			seq.Content = append(seq.Content, n)
		}
		return flow(str(c.Kind), seq)
	case "range":
		opts := flow()
		if c.Min != nil {
			opts.Content = append(opts.Content, str("min"), num(*c.Min))
		}
		if c.Max != nil {
			opts.Content = append(opts.Content, str("max"), num(*c.Max))
		}
		return flow(str(c.Kind), opts)
	}
	return str(c.Kind)
}

// ChecksYAML writes checks as the columns: section of a header.
func ChecksYAML(add []ColumnCheck) (string, error) {
	doc := &yaml.Node{Kind: yaml.MappingNode}
	mergeChecks(doc, add)
	return encodeYAML(doc)
}

// AddChecks returns the model file's text with checks added under their
// columns in its header (columns:, a column's entry and its checks: made
// when missing). The rest of the file is kept byte for byte, comments
// included: the new lines are spliced in where the parsed header says its
// blocks end; a flow list of checks is written as a block list, its
// comments kept beside the key and the items. A header too unusual for
// that (on one line, or columns: as a flow list) is written again whole by
// the YAML encoder, from the parsed node tree (its comments kept).
func AddChecks(m *project.Model, add []ColumnCheck) (string, error) {
	text := m.Text
	start := len(text) - len(strings.TrimLeft(text, " \t\r\n"))
	if !strings.HasPrefix(text[start:], "/*") {
		y, err := ChecksYAML(add)
		return text[:start] + "/*\n" + y + "*/\n" + text[start:], err
	}
	end := strings.Index(text[start+2:], "*/")
	if end < 0 {
		return "", fmt.Errorf("%s: the header comment is never closed", m.Path)
	}
	hs, he := start+2, start+2+end
	var file yaml.Node
	if err := yaml.Unmarshal([]byte(text[hs:he]), &file); err != nil {
		return "", fmt.Errorf("%s: read the header: %w", m.Path, err)
	}
	var doc *yaml.Node
	if len(file.Content) == 1 && file.Content[0].Kind == yaml.MappingNode {
		doc = file.Content[0]
	}
	if out, ok := splice(text[hs:he], doc, add); ok {
		return text[:hs] + out + text[he:], nil
	}
	if doc == nil {
		doc = &yaml.Node{Kind: yaml.MappingNode}
	}
	doc.HeadComment = strings.TrimSpace(file.HeadComment + "\n" + doc.HeadComment)
	// A columns: written as a flow list is written as a block, so that
	// each check can have its comment on its own line.
	for k := 0; k+1 < len(doc.Content); k += 2 {
		if cols := doc.Content[k+1]; doc.Content[k].Value == "columns" && cols.Kind == yaml.SequenceNode {
			cols.Style = 0
			if key := doc.Content[k]; cols.LineComment != "" {
				// A block list's line comment goes beside its key.
				key.LineComment = strings.TrimSpace(key.LineComment + " " + cols.LineComment)
				cols.LineComment = ""
			}
			for _, e := range cols.Content {
				if e.Kind == yaml.MappingNode {
					e.Style = 0
					for i := 0; i+1 < len(e.Content); i += 2 {
						if e.Content[i].Value == "checks" && e.Content[i+1].Kind == yaml.SequenceNode {
							e.Content[i+1].Style = 0
						}
					}
				}
			}
		}
	}
	mergeChecks(doc, add)
	y, err := encodeYAML(doc)
	if err != nil {
		return "", err
	}
	return text[:start] + "/*\n" + y + "*/\n" + strings.TrimPrefix(text[he+2:], "\n"), nil
}

// splice inserts the checks into the header text hdr, whose parse is doc.
func splice(hdr string, doc *yaml.Node, add []ColumnCheck) (string, bool) {
	lines := strings.SplitAfter(hdr, "\n")
	if doc == nil || len(lines) < 2 || doc.Line < 2 {
		return "", false
	}
	after := map[int][]string{}   // new lines to put after line n (1-based)
	tail := map[int][]string{}    // new column entries, after those
	replace := map[int][]string{} // lines to put instead of line n
	item := func(indent int, c ColumnCheck) string {
		b, _ := yaml.Marshal(CheckNode(c.Check))
		line := strings.Repeat(" ", indent) + "- " + strings.TrimSpace(string(b))
		if c.Comment != "" {
			line += " # " + c.Comment
		}
		return line
	}
	// last is the last line of a block that starts on line from and ends
	// before line next, less trailing blank and comment lines.
	last := func(from, next int) int {
		l := next - 1
		if l > len(lines) {
			l = len(lines)
		}
		for ; l > from; l-- {
			if t := strings.TrimSpace(lines[l-1]); t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "*/") {
				break
			}
		}
		return l
	}
	nextKey := func(m *yaml.Node, key int, outer int) int {
		if key+2 < len(m.Content) {
			return m.Content[key+2].Line
		}
		return outer
	}
	base := doc.Content[0].Column - 1
	docEnd := len(lines) + 1
	cols, colsAt := (*yaml.Node)(nil), -1
	for k := 0; k+1 < len(doc.Content); k += 2 {
		if doc.Content[k].Value == "columns" {
			cols, colsAt = doc.Content[k+1], k
		}
	}
	for _, col := range columnOrder(add) {
		var checks []ColumnCheck
		for _, a := range add {
			if strings.EqualFold(a.Check.Column, col) {
				checks = append(checks, a)
			}
		}
		if cols == nil || cols.Kind != yaml.SequenceNode || cols.Style == yaml.FlowStyle {
			if cols != nil && !(cols.Kind == yaml.ScalarNode && cols.Tag == "!!null") {
				return "", false
			}
			// No columns: yet: a new section at the end of the header.
			at := last(0, docEnd)
			if cols == nil && len(tail[at]) == 0 {
				tail[at] = append(tail[at], strings.Repeat(" ", base)+"columns:")
			}
			if cols != nil {
				at = doc.Content[colsAt].Line
			}
			tail[at] = append(tail[at], entry(base+2, col, checks, item)...)
			continue
		}
		colsNext := nextKey(doc, colsAt, docEnd)
		var e *yaml.Node
		var eNext int
		for i, c := range cols.Content {
			if c.Kind == yaml.MappingNode && strings.EqualFold(value(c, "name"), col) {
				e = c
				eNext = colsNext
				if i+1 < len(cols.Content) {
					eNext = cols.Content[i+1].Line
				}
			}
		}
		if e == nil {
			dash := base + 2
			if len(cols.Content) > 0 {
				dash = cols.Content[0].Column - 3
			}
			at := last(doc.Content[colsAt].Line, colsNext)
			tail[at] = append(tail[at], entry(dash, col, checks, item)...)
			continue
		}
		keyIndent := e.Content[0].Column - 1
		ck := -1
		for k := 0; k+1 < len(e.Content); k += 2 {
			if e.Content[k].Value == "checks" {
				ck = k
			}
		}
		switch {
		case ck < 0:
			at := last(e.Line, eNext)
			after[at] = append(after[at], strings.Repeat(" ", keyIndent)+"checks:")
			for _, c := range checks {
				after[at] = append(after[at], item(keyIndent+2, c))
			}
		case e.Content[ck+1].Kind == yaml.SequenceNode && e.Content[ck+1].Style != yaml.FlowStyle && len(e.Content[ck+1].Content) > 0:
			seq := e.Content[ck+1]
			at := last(e.Content[ck].Line, nextKey(e, ck, eNext))
			for _, c := range checks {
				after[at] = append(after[at], item(seq.Content[0].Column-3, c))
			}
		default: // a flow list (or nothing), on one line or several: written as a block
			key, seq := e.Content[ck], e.Content[ck+1]
			end := last(key.Line, nextKey(e, ck, eNext))
			if seq.Kind != yaml.SequenceNode && !(seq.Kind == yaml.ScalarNode && seq.Tag == "!!null") {
				return "", false
			}
			// The comments on the list's lines are kept: the key's and the
			// list's beside checks:, each item's beside (or above) it.
			head := strings.Repeat(" ", key.Column-1) + "checks:"
			for _, c := range []string{key.LineComment, seq.LineComment, seq.FootComment} {
				if c != "" {
					head += " " + c
				}
			}
			out := []string{head}
			pad := strings.Repeat(" ", key.Column+1)
			for _, old := range seq.Content {
				for _, c := range []string{old.HeadComment} {
					for _, l := range strings.Split(c, "\n") {
						if l != "" {
							out = append(out, pad+strings.TrimSpace(l))
						}
					}
				}
				bare := *old
				bare.HeadComment, bare.LineComment, bare.FootComment = "", "", ""
				b, _ := yaml.Marshal(&bare)
				line := pad + "- " + strings.TrimSpace(string(b))
				if old.LineComment != "" {
					line += " " + old.LineComment
				}
				out = append(out, line)
				if old.FootComment != "" {
					out = append(out, pad+strings.TrimSpace(old.FootComment))
				}
			}
			for _, c := range checks {
				out = append(out, item(key.Column+1, c))
			}
			replace[key.Line] = out
			for l := key.Line + 1; l <= end; l++ {
				replace[l] = nil
			}
		}
	}
	var b strings.Builder
	for i, l := range lines {
		n := i + 1
		if r, ok := replace[n]; ok {
			if len(r) > 0 {
				b.WriteString(strings.Join(r, "\n") + "\n")
			}
		} else {
			b.WriteString(l)
		}
		if extra := append(after[n], tail[n]...); len(extra) > 0 {
			if !strings.HasSuffix(l, "\n") {
				b.WriteString("\n")
			}
			b.WriteString(strings.Join(extra, "\n") + "\n")
		}
	}
	return b.String(), true
}

// entry writes a new column entry with its checks, its dash indented by
// dash spaces.
func entry(dash int, col string, checks []ColumnCheck, item func(int, ColumnCheck) string) []string {
	pad := strings.Repeat(" ", dash)
	out := []string{pad + "- name: " + col, pad + "  checks:"}
	for _, c := range checks {
		out = append(out, item(dash+4, c))
	}
	return out
}

// columnOrder lists the columns of the checks, first seen first.
func columnOrder(add []ColumnCheck) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range add {
		if k := strings.ToLower(a.Check.Column); !seen[k] {
			seen[k] = true
			out = append(out, a.Check.Column)
		}
	}
	return out
}

func encodeYAML(doc *yaml.Node) (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// mergeChecks adds each check to its column's checks: list in a header's
// mapping node.
func mergeChecks(doc *yaml.Node, add []ColumnCheck) {
	cols := child(doc, "columns", yaml.SequenceNode)
	for _, a := range add {
		var col *yaml.Node
		for _, c := range cols.Content {
			if c.Kind == yaml.MappingNode && strings.EqualFold(value(c, "name"), a.Check.Column) {
				col = c
			}
		}
		if col == nil {
			col = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Value: "name"}, {Kind: yaml.ScalarNode, Value: a.Check.Column}}}
			cols.Content = append(cols.Content, col)
		}
		checks := child(col, "checks", yaml.SequenceNode)
		checks.Style = 0 // block style, so each check can have its comment
		n := CheckNode(a.Check)
		n.LineComment = a.Comment
		checks.Content = append(checks.Content, n)
	}
}

// child returns the value of key in a mapping node, adding it (of kind)
// when missing.
func child(m *yaml.Node, key string, kind yaml.Kind) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			if v.Kind != kind && v.Tag == "!!null" {
				v.Kind, v.Tag, v.Value = kind, "", ""
			}
			return v
		}
	}
	v := &yaml.Node{Kind: kind}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	return v
}

func value(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1].Value
		}
	}
	return ""
}
