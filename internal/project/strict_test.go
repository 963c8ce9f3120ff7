package project

import (
	"strings"
	"testing"
)

// TestModelHeaderErrors: every kind of header mistake is reported at its
// path:line:col, with the source line shown.
func TestModelHeaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown key", "/*\nmaterialized: table\nmaterialised: view\n*/\nSELECT 1", `m.sql:3:1: unknown key "materialised"`},
		{"unknown key on line 1", "/* tagz: [a] */\nSELECT 1", `m.sql:1:4: unknown key "tagz"`},
		{"unknown nested key", "/*\ncolumns:\n  - name: a\n    desc: x\n*/\nSELECT 1", `m.sql:4:5: unknown key "desc"`},
		{"expected a mapping", "/*\nexport: parquet\n*/\nSELECT 1", `m.sql:2:9: expected a mapping, found "parquet"`},
		{"expected a list", "/*\ntags: {a: 1}\n*/\nSELECT 1", `m.sql:2:1: expected a list`},
		{"expected a number", "/*\ncolumns:\n  - name: a\n    length: long\n*/\nSELECT 1", `m.sql:4:5: expected a whole number, found "long"`},
		{"expected true or false", "/*\ncolumns:\n  - name: a\n    not_null: maybe\n*/\nSELECT 1", `m.sql:4:5: expected true or false, found "maybe"`},
		{"invalid YAML", "/*\ntags: [a\n*/\nSELECT 1", `m.sql:`},
		{"unclosed header", "/* materialized: table\nSELECT 1", `m.sql:1:1: the header comment is never closed`},
		{"bad materialized", "/*\nmaterialized: tabel\n*/\nSELECT 1", `m.sql:2:1: materialized must be one of view, table, incremental, found "tabel"`},
		{"incremental without key", "/*\nmaterialized: incremental\n*/\nSELECT 1", `m.sql:2:1: an incremental model needs unique_key`},
		{"export format", "/*\nexport: {formats: [xlsx]}\n*/\nSELECT 1", `m.sql:2:10: export formats are parquet and csv, found "xlsx"`},
		{"partition without expr", "/*\nexport:\n  formats: [csv]\n  partition_by: [{name: dt}]\n*/\nSELECT 1", `m.sql:4:3: each partition_by entry needs a name`},
		{"keep_runs zero", "/*\nexport:\n  formats: [parquet]\n  keep_runs: 0\n*/\nSELECT 1", `m.sql:4:3: export keep_runs must be from 1 to 100 (the published runs kept on S3), found 0`},
		{"keep_runs too many", "/*\nexport: {formats: [parquet], keep_runs: 101}\n*/\nSELECT 1", `m.sql:2:30: export keep_runs must be from 1 to 100`},
		{"unknown check", "/*\nchecks: [not_empty]\n*/\nSELECT 1", `unknown check "not_empty"`},
		{"check severity", "/*\nchecks: [{row_count: {min: 1, severity: fatal}}]\n*/\nSELECT 1", `severity is error or warn, found "fatal"`},
		{"check mostly", "/*\nchecks: [{row_count: {min: 1, mostly: 2}}]\n*/\nSELECT 1", `mostly is the share of rows that must pass`},
		{"check option", "/*\nchecks: [{row_count: {least: 1}}]\n*/\nSELECT 1", `unknown option "least" of row_count`},
		{"check named like a label", "/*\nchecks:\n  - expression: {expr: a > 0, name: not_null(a)}\n*/\nSELECT 1 AS a", `m.sql:3:`},
		{"range without bounds", "/*\ncolumns:\n  - name: a\n    checks: [range]\n*/\nSELECT 1", `range needs min, max or both`},
		{"relationships target", "/*\ncolumns:\n  - name: a\n    checks: [{relationships: users}]\n*/\nSELECT 1", `relationships needs to: schema.model.column`},
		{"empty model", "/* materialized: table */\n", `m.sql: the model has no query`},
	} {
		_, err := ParseModel("m.sql", "s", "m", tc.text, ModelDefaults{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestConfigErrors: every kind of elt.yaml mistake is reported at its
// line:col, all together.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "version: 1\npath:\n  bronze: x\n", []string{`elt.yaml:2:1: unknown key "path"`}},
		{"version", "version: 2\n", []string{"elt.yaml:1:1: version must be 1, found 2"}},
		{"format", "version: 1\nsources:\n  e:\n    format: xml\n    fields: [{name: id, type: id}]\n", []string{`elt.yaml:4:5: source e: format must be ndjson, csv or parquet, found "xml"`}},
		{"no fields", "version: 1\nsources:\n  e:\n    format: csv\n", []string{"elt.yaml:3:3: source e: declare its fields"}},
		{"source name", "version: 1\nsources:\n  bad-name:\n    format: csv\n    fields: [{name: id, type: id}]\n", []string{`elt.yaml:3:3: source bad-name: the name must be a plain identifier`}},
		{"field type", "version: 1\nsources:\n  e:\n    format: csv\n    fields:\n      - {name: id, type: id}\n      - {name: n, type: numeric}\n",
			[]string{`elt.yaml:7:19: source e: unknown type "numeric" (types: id, text, integer, decimal(p,s), boolean, date, timestamp, json)`}},
		{"no type", "version: 1\nsources:\n  e:\n    format: csv\n    fields:\n      - {name: id}\n", []string{`elt.yaml:6:10: source e: field id needs a type`}},
		{"decimal", "version: 1\nsources:\n  e:\n    format: csv\n    fields:\n      - {name: a, type: 'decimal(40,2)'}\n", []string{`source e: decimal(p,s) needs 1 <= p <= 38 and s <= p, found decimal(40,2)`}},
		{"rule", "version: 1\nsources:\n  e:\n    format: csv\n    fields:\n      - {name: a, type: text, required: true, nullable: true}\n", []string{`elt.yaml:6:47: unknown key "nullable"`}},
		{"normalize", "version: 1\nsources:\n  e:\n    format: csv\n    fields:\n      - {name: a, type: text, normalize: [strip]}\n", []string{`elt.yaml:6:31: source e: unknown normalize step "strip"`}},
		{"pattern", "version: 1\nsources:\n  e:\n    format: csv\n    fields:\n      - {name: a, type: text, pattern: '[a-'}\n", []string{`source e: pattern "[a-" is not a valid regular expression`}},
		{"min on text", "version: 1\nsources:\n  e:\n    format: csv\n    fields:\n      - {name: a, type: text, min: 1}\n", []string{`source e: min and max bound integer and decimal fields, not text`}},
		{"duplicate field", "version: 1\nsources:\n  e:\n    format: csv\n    fields:\n      - {name: a, type: text}\n      - {name: A, type: id}\n", []string{`elt.yaml:7:10: source e: field A is declared twice`}},
		{"reserved field", "version: 1\nsources:\n  e:\n    format: csv\n    fields:\n      - {name: _line, type: text}\n", []string{`elt.yaml:6:10: source e: field name _line starts with _`}},
		{"key", "version: 1\nsources:\n  e:\n    format: csv\n    key: nope\n    fields:\n      - {name: a, type: text}\n", []string{`elt.yaml:5:5: source e: key "nope" is not one of the declared fields`}},
		{"invalid order", "version: 1\nsources:\n  e:\n    format: csv\n    invalid_order: [b]\n    fields:\n      - {name: a, type: text}\n", []string{`elt.yaml:5:21: source e: invalid_order names "b"`}},
		{"reason", "version: 1\nsources:\n  e:\n    format: csv\n    fields:\n      - {name: a, type: text, required: true, missing: No A}\n", []string{`source e: a reason is lower case letters, digits and _, found "No A"`}},
		{"materialized", "version: 1\nmodels:\n  materialized: tabel\n", []string{`elt.yaml:3:3: materialized must be one of view, table, incremental, found "tabel"`}},
		{"type", "version: 1\nduckdb:\n  threads: many\n", []string{`elt.yaml:3:3: expected a whole number, found "many"`}},
		{"together", "version: 1\nduckdb:\n  threads: 0\nmodels:\n  materialized: x\n", []string{"elt.yaml:3:3: threads", "elt.yaml:5:3: materialized"}},
	} {
		dir := t.TempDir()
		writeConfig(t, dir, tc.yaml)
		_, err := LoadConfig(dir)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: got\n%v\nwant it to contain %q", tc.name, err, w)
			}
		}
	}
}
