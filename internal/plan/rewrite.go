package plan

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/digitalservices/elt/internal/sqlname"
)

// qualifiedRe matches a possibly quoted, possibly qualified table name at
// the start of a string: the extent of a reference the parser located.
var qualifiedRe = regexp.MustCompile(`^(?:(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)\s*\.\s*){0,2}(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)`)

// Rewrite returns the model's body with some table references replaced:
// replace gets each reference's ID and returns the SQL to read instead (a
// parenthesised query) or "" to keep it. A reference without an alias gets
// its table name as alias, so qualified columns keep working. Offsets come
// from DuckDB's parser, so the text is changed exactly where the parser saw
// the table.
func (n *Node) Rewrite(replace func(id string) string) (string, error) {
	body, _, err := n.RewriteMapped(replace)
	return body, err
}

// RewriteMapped is Rewrite, and also returns where a byte offset of the
// new body was in the model's body (an offset inside a replacement is the
// start of the reference it replaced), to place an error DuckDB reports
// in the new text.
func (n *Node) RewriteMapped(replace func(id string) string) (string, func(int) int, error) {
	body := n.Model.Body
	refs := append([]Ref{}, n.Refs...)
	sort.Slice(refs, func(i, j int) bool { return refs[i].Offset > refs[j].Offset })
	type span struct{ at, was, now int } // in the model's body: offset, old length, new length
	var spans []span
	for _, r := range refs {
		with := replace(r.ID)
		if with == "" {
			continue
		}
		if r.Offset < 0 || r.Offset > len(body) {
			return "", nil, fmt.Errorf("%s: cannot place the reference to %s", n.Model.Path, r.ID)
		}
		loc := qualifiedRe.FindStringIndex(body[r.Offset:])
		if loc == nil {
			return "", nil, fmt.Errorf("%s: cannot place the reference to %s", n.Model.Path, r.ID)
		}
		if r.Alias == "" {
			with += " AS " + sqlname.Ident(r.ID[strings.LastIndexByte(r.ID, '.')+1:])
		}
		body = body[:r.Offset] + with + body[r.Offset+loc[1]:]
		spans = append(spans, span{r.Offset, loc[1], len(with)})
	}
	back := func(off int) int {
		shift := 0                             // what the replacements before off added
		for i := len(spans) - 1; i >= 0; i-- { // in the order of the text
			sp := spans[i]
			switch at := sp.at + shift; {
			case off < at:
				return off - shift
			case off < at+sp.now:
				return sp.at
			}
			shift += sp.now - sp.was
		}
		return off - shift
	}
	return body, back, nil
}
