package plan

import (
	"github.com/digitalservices/elt/internal/project"
)

// ListingSchema names the schema of a Listing in JSON, and its version.
const ListingSchema = "elt.graph/1"

// Listing is the project's graph as elt ls --format json writes it, for a
// scheduler to map its tasks or assets: the sources, then the models and
// seeds in build order, each with what it depends on.
type Listing struct {
	Schema  string         `json:"schema"`
	Sources []ListedSource `json:"sources"`
	Models  []ListedModel  `json:"models"`
	Seeds   []ListedModel  `json:"seeds"`
}

// ListedSource is a source of bronze files.
type ListedSource struct {
	Name        string        `json:"name"`
	Table       string        `json:"table"` // bronze.<name>
	Format      string        `json:"format"`
	Path        string        `json:"path"`
	Key         string        `json:"key,omitempty"`
	Description string        `json:"description,omitempty"`
	Fields      []ListedField `json:"fields"`
}

// ListedField is a field of a source's records.
type ListedField struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
}

// ListedModel is a model or a seed; Order is its place in the build order
// (from 1), DependsOn the tables it reads (bronze.<source> or models) or,
// for a seed, its CSV file.
type ListedModel struct {
	ID           string        `json:"id"`
	Order        int           `json:"order"`
	Path         string        `json:"path"`
	Materialized string        `json:"materialized"`
	DependsOn    []string      `json:"depends_on"`
	Tags         []string      `json:"tags"`
	UniqueKey    string        `json:"unique_key,omitempty"`
	Description  string        `json:"description,omitempty"`
	Checks       []ListedCheck `json:"checks"`
	Exports      []string      `json:"exports,omitempty"`
	Online       bool          `json:"online,omitempty"`
	Seed         string        `json:"seed,omitempty"`
}

// ListedCheck is a check a build runs on a model before it publishes.
type ListedCheck struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Column   string `json:"column,omitempty"`
	Severity string `json:"severity"` // error blocks publication; warn is reported only
}

// Listing describes the sources of p and the models of g, in build order.
func (g *Graph) Listing(p *project.Project) Listing {
	l := Listing{Schema: ListingSchema, Sources: []ListedSource{}, Models: []ListedModel{}, Seeds: []ListedModel{}}
	for _, name := range p.Config.SourceNames() {
		s := p.Config.Sources[name]
		ls := ListedSource{Name: name, Table: "bronze." + name, Format: string(s.Format), Path: p.Config.SourceLocation(p.Config.Paths.Bronze, name),
			Key: s.Key, Description: s.Description, Fields: []ListedField{}}
		for _, f := range s.Fields {
			ls.Fields = append(ls.Fields, ListedField{Name: f.Name, Type: string(f.Type), Required: f.Required})
		}
		l.Sources = append(l.Sources, ls)
	}
	for i, id := range g.Order {
		n := g.Nodes[id]
		m := n.Model
		lm := ListedModel{ID: m.ID(), Order: i + 1, Path: m.Path, Materialized: string(m.Header.Materialized), DependsOn: n.Inputs(),
			Tags: append([]string{}, m.Header.Tags...), UniqueKey: m.Header.UniqueKey, Description: m.Header.Description, Checks: []ListedCheck{},
			Online: m.Header.Online != nil}
		if lm.DependsOn == nil {
			lm.DependsOn = []string{}
		}
		for _, c := range m.Checks() {
			lm.Checks = append(lm.Checks, ListedCheck{Name: c.Label(), Kind: c.Kind, Column: c.Column, Severity: string(c.Severity)})
		}
		if m.Header.Export != nil {
			lm.Exports = m.Header.Export.Formats
		}
		if m.Seed != "" {
			lm.Seed, lm.DependsOn = m.Seed, []string{m.Seed}
			l.Seeds = append(l.Seeds, lm)
			continue
		}
		l.Models = append(l.Models, lm)
	}
	return l
}
