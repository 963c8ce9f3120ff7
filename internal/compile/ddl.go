package compile

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/redshift"
	"github.com/digitalservices/elt/internal/warehouse"
)

// DDLFile is the Redshift DDL of one built model, and the file of the
// design folder it belongs in.
type DDLFile struct {
	Model *project.Model
	Path  string // absolute: <design>/<schema>.<name>.sql
	Rel   string // relative to the project folder, for messages
	Text  string
}

// DDLModels are the models selected (all when names is empty) less those
// excluded, on the command line or by redshift: {exclude: true} in their
// header (named models are generated even then).
func DDLModels(g *plan.Graph, names, exclude []string) ([]*project.Model, error) {
	ids, err := g.Select(names, exclude)
	if err != nil {
		return nil, err
	}
	var out []*project.Model
	for _, id := range ids {
		m := g.Nodes[id].Model
		if len(names) == 0 && m.Header.Redshift != nil && m.Header.Redshift.Exclude {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// DDL compiles the Redshift CREATE TABLE of each built model, from the
// columns and types the warehouse q holds and the longest text values.
func DDL(ctx context.Context, q warehouse.Querier, p *project.Project, models []*project.Model) ([]DDLFile, error) {
	var out []DDLFile
	design := p.Resolve(p.Config.Paths.Design)
	for _, m := range models {
		t, err := redshift.Describe(ctx, q, m)
		if err != nil {
			return nil, err
		}
		text, err := redshift.DDL(t)
		if err != nil {
			return nil, &project.FileError{Path: m.Path, Msg: err.Error(), Hint: "set the redshift: section and column lengths in the model's header"}
		}
		path := filepath.Join(design, strings.ToLower(m.Schema+"."+m.Name)+".sql")
		rel, _ := filepath.Rel(p.Dir, path)
		out = append(out, DDLFile{Model: m, Path: path, Rel: rel, Text: text})
	}
	return out, nil
}

// Copies compiles the Redshift COPY commands that load each model's Parquet
// export from under the S3 prefix.
func Copies(ctx context.Context, q warehouse.Querier, models []*project.Model, prefix, iamRole string) ([]string, error) {
	var out []string
	for _, m := range models {
		t, err := redshift.Describe(ctx, q, m)
		if err != nil {
			return nil, err
		}
		out = append(out, redshift.Copy(t, prefix, iamRole))
	}
	return out, nil
}
