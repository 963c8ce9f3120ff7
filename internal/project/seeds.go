package project

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/sqlname"
)

// SeedDir is where seeds live: seeds/<schema>/<name>.csv is the table
// <schema>.<name>.
const SeedDir = "seeds"

// LoadSeeds finds the seeds under dir/seeds and makes each a model: a table
// built by DuckDB's read_csv of the file (types sniffed, or declared in
// elt.yaml's seeds:), rebuilt at every build like any table, so an edited
// file is read again. The path is relative to the project folder, which
// DuckDB searches files in.
func LoadSeeds(dir string, decl map[string]SeedConfig) ([]*Model, error) {
	var out []*Model
	var errs diag.Errors
	seen := map[string]bool{}
	err := WalkFiles(dir, SeedDir, func(rel, _ string) error {
		parts := strings.Split(rel, "/")
		if !strings.HasSuffix(rel, ".csv") || len(parts) != 3 {
			errs = append(errs, &diag.FileError{Path: rel, Msg: "a seed must be seeds/<schema>/<name>.csv", Hint: "move it into one schema folder such as seeds/ref/, or out of seeds/"})
			return nil
		}
		schema, name := parts[1], strings.TrimSuffix(parts[2], ".csv")
		for _, id := range []string{schema, name} {
			if !contract.IsIdent(id) {
				errs = append(errs, &diag.FileError{Path: rel, Msg: fmt.Sprintf("%q is not a plain identifier: use letters, digits and _ in seed folder and file names", id)})
				return nil
			}
		}
		id := strings.ToLower(schema + "." + name)
		seen[id] = true
		cfg := decl[schema+"."+name]
		body := SeedSQL(rel, cfg.ColumnTypes)
		out = append(out, &Model{Schema: schema, Name: name, Path: rel, Text: body, Body: body, Seed: rel,
			Header: Header{Materialized: Table, Description: cfg.Description}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(decl) {
		if !seen[strings.ToLower(k)] {
			errs = append(errs, &diag.FileError{Path: ConfigFile, Msg: fmt.Sprintf("seeds: %s has no file %s/%s.csv", k, SeedDir, strings.Replace(k, ".", "/", 1))})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out, errs.Err()
}

// seedOptions are read_csv's options for a seed: the dialect of CSV
// sources (RFC 4180: a comma, " quoting, a doubled quote inside), never
// sniffed, so that DuckDB reads what the sources' reader reads.
const seedOptions = `header = true, delim = ',', quote = '"', escape = '"'`

// SeedSQL is the query that reads a seed file.
func SeedSQL(rel string, types map[string]string) string {
	opts := ""
	if len(types) > 0 {
		var kv []string
		for _, c := range sortedKeys(types) {
			kv = append(kv, sqlname.Literal(c)+": "+sqlname.Literal(types[c]))
		}
		opts = ", types = {" + strings.Join(kv, ", ") + "}"
	}
	return "SELECT * FROM read_csv(" + sqlname.Literal(rel) + ", " + seedOptions + opts + ")"
}

// SeedTextSQL reads a seed file as SeedSQL does, every column as text: what
// the build compares with the sources' reader before anything runs.
func SeedTextSQL(rel string) string {
	return "SELECT * FROM read_csv(" + sqlname.Literal(rel) + ", " + seedOptions + ", all_varchar = true)"
}

// SeedConfigs are elt.yaml's seeds: by schema.name. Both forms are read:
// the README's nested one (seeds: {ref: {fx_rates: {...}}}, a schema then
// its seeds) and a flat one (seeds: {ref.fx_rates: {...}}).
type SeedConfigs map[string]SeedConfig

// UnmarshalYAML reads either form, each key where it stands: a key with a
// dot is schema.name, one without a schema holding its seeds.
func (s *SeedConfigs) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Tag == "!!null" {
		return nil
	}
	var errs []string
	fail := func(at *yaml.Node, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("line %d: ", at.Line)+fmt.Sprintf(format, args...))
	}
	if n.Kind != yaml.MappingNode {
		fail(n, "seeds: expected a mapping of schemas to seeds, found %s", diag.Describe(n))
		return &yaml.TypeError{Errors: errs}
	}
	out, ids := SeedConfigs{}, map[string]bool{}
	add := func(id string, k, v *yaml.Node) {
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		if ids[strings.ToLower(id)] {
			fail(k, "seeds: %s is declared twice", id)
			return
		}
		ids[strings.ToLower(id)] = true
		diag.CheckKnown(v, reflect.TypeOf(SeedConfig{}), func(at *yaml.Node, format string, args ...any) { fail(at, format, args...) })
		var c SeedConfig
		if err := v.Decode(&c); err != nil {
			if te, ok := err.(*yaml.TypeError); ok {
				errs = append(errs, te.Errors...)
			} else {
				fail(v, "%v", err)
			}
			return
		}
		out[id] = c
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if strings.Contains(k.Value, ".") {
			add(k.Value, k, v)
			continue
		}
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		if v.Kind != yaml.MappingNode {
			fail(k, "seeds: %s: expected the schema's seeds by name (seeds: {%s: {name: {column_types: ...}}}), found %s", k.Value, k.Value, diag.Describe(v))
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			add(k.Value+"."+v.Content[j].Value, v.Content[j], v.Content[j+1])
		}
	}
	if len(errs) > 0 {
		return &yaml.TypeError{Errors: errs}
	}
	*s = out
	return nil
}
