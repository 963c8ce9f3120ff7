package cli

import (
	"encoding/json"
	"io"

	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
)

// graphSchema names the schema elt ls --format json writes, and its version.
const graphSchema = "elt.graph/1"

// listing is the project's graph as elt ls --format json writes it, for a
// scheduler to map its tasks or assets: the sources, then the models and
// seeds in build order, each with what it depends on.
type listing struct {
	Schema  string         `json:"schema"`
	Sources []listedSource `json:"sources"`
	Models  []listedModel  `json:"models"`
	Seeds   []listedModel  `json:"seeds"`
}

// listedSource is a source of bronze files.
type listedSource struct {
	Name        string        `json:"name"`
	Table       string        `json:"table"` // bronze.<name>
	Format      string        `json:"format"`
	Path        string        `json:"path"`
	Key         string        `json:"key,omitempty"`
	Description string        `json:"description,omitempty"`
	Fields      []listedField `json:"fields"`
}

// listedField is a field of a source's records.
type listedField struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
}

// listedModel is a model or a seed; Order is its place in the build order
// (from 1), DependsOn the tables it reads (bronze.<source> or models) or,
// for a seed, its CSV file.
type listedModel struct {
	ID           string        `json:"id"`
	Order        int           `json:"order"`
	Path         string        `json:"path"`
	Materialized string        `json:"materialized"`
	DependsOn    []string      `json:"depends_on"`
	Tags         []string      `json:"tags"`
	UniqueKey    string        `json:"unique_key,omitempty"`
	Description  string        `json:"description,omitempty"`
	Checks       []listedCheck `json:"checks"`
	Exports      []string      `json:"exports,omitempty"`
	Online       bool          `json:"online,omitempty"`
	Seed         string        `json:"seed,omitempty"`
}

// listedCheck is a check a build runs on a model before it publishes.
type listedCheck struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Column   string `json:"column,omitempty"`
	Severity string `json:"severity"` // error blocks publication; warn is reported only
}

// writeListing writes the graph of p as indented JSON.
func writeListing(w io.Writer, p *project.Project, g *plan.Graph) error {
	l := listing{Schema: graphSchema, Sources: []listedSource{}, Models: []listedModel{}, Seeds: []listedModel{}}
	for _, name := range p.Config.SourceNames() {
		s := p.Config.Sources[name]
		ls := listedSource{Name: name, Table: "bronze." + name, Format: string(s.Format), Path: p.Config.Paths.Bronze + "/" + s.Path,
			Key: s.Key, Description: s.Description, Fields: []listedField{}}
		for _, f := range s.Fields {
			ls.Fields = append(ls.Fields, listedField{Name: f.Name, Type: string(f.Type), Required: f.Required})
		}
		l.Sources = append(l.Sources, ls)
	}
	for i, id := range g.Order {
		n := g.Nodes[id]
		m := n.Model
		lm := listedModel{ID: m.ID(), Order: i + 1, Path: m.Path, Materialized: string(m.Header.Materialized), DependsOn: n.Inputs(),
			Tags: append([]string{}, m.Header.Tags...), UniqueKey: m.Header.UniqueKey, Description: m.Header.Description, Checks: []listedCheck{},
			Online: m.Header.Online != nil}
		if lm.DependsOn == nil {
			lm.DependsOn = []string{}
		}
		for _, c := range m.Checks() {
			lm.Checks = append(lm.Checks, listedCheck{Name: c.Label(), Kind: c.Kind, Column: c.Column, Severity: string(c.Severity)})
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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(l)
}
