package project

import (
	"fmt"
	"sort"
	"strings"
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
	var errs Errors
	seen := map[string]bool{}
	err := WalkFiles(dir, SeedDir, func(rel, _ string) error {
		parts := strings.Split(rel, "/")
		if !strings.HasSuffix(rel, ".csv") || len(parts) != 3 {
			errs = append(errs, &FileError{Path: rel, Msg: "a seed must be seeds/<schema>/<name>.csv", Hint: "move it into one schema folder such as seeds/ref/, or out of seeds/"})
			return nil
		}
		schema, name := parts[1], strings.TrimSuffix(parts[2], ".csv")
		for _, id := range []string{schema, name} {
			if !identRe.MatchString(id) {
				errs = append(errs, &FileError{Path: rel, Msg: fmt.Sprintf("%q is not a plain identifier: use letters, digits and _ in seed folder and file names", id)})
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
			errs = append(errs, &FileError{Path: ConfigFile, Msg: fmt.Sprintf("seeds: %s has no file %s/%s.csv", k, SeedDir, strings.Replace(k, ".", "/", 1))})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out, errs.Err()
}

// SeedSQL is the query that reads a seed file.
func SeedSQL(rel string, types map[string]string) string {
	opts := ""
	if len(types) > 0 {
		var kv []string
		for _, c := range sortedKeys(types) {
			kv = append(kv, quoteLiteral(c)+": "+quoteLiteral(types[c]))
		}
		opts = ", types = {" + strings.Join(kv, ", ") + "}"
	}
	return "SELECT * FROM read_csv(" + quoteLiteral(rel) + ", header = true" + opts + ")"
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
