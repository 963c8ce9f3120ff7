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
	body := n.Model.Body
	refs := append([]Ref{}, n.Refs...)
	sort.Slice(refs, func(i, j int) bool { return refs[i].Offset > refs[j].Offset })
	for _, r := range refs {
		with := replace(r.ID)
		if with == "" {
			continue
		}
		if r.Offset < 0 || r.Offset > len(body) {
			return "", fmt.Errorf("%s: cannot place the reference to %s", n.Model.Path, r.ID)
		}
		loc := qualifiedRe.FindStringIndex(body[r.Offset:])
		if loc == nil {
			return "", fmt.Errorf("%s: cannot place the reference to %s", n.Model.Path, r.ID)
		}
		if r.Alias == "" {
			with += " AS " + sqlname.Ident(r.ID[strings.LastIndexByte(r.ID, '.')+1:])
		}
		body = body[:r.Offset] + with + body[r.Offset+loc[1]:]
	}
	return body, nil
}
