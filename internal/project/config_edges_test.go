package project

import (
	"strings"
	"testing"
)

// TestConfigEdges: values elt.yaml decoded without a word, or left to fail
// later in DuckDB, are refused at their elt.yaml:line:col: a fraction for a
// whole number, a memory_limit DuckDB cannot run in or cannot read, a
// default that is not a value of its field's type, bounds that are not
// finite or cross, a variable that is no SQL value, and two fields reading
// one column of the files.
func TestConfigEdges(t *testing.T) {
	src := "version: 1\nsources:\n  o:\n    format: csv\n    fields:\n"
	ndjson := "version: 1\nsources:\n  o:\n    format: ndjson\n    fields:\n"
	checkConfigs(t, []configCase{
		{"version: 1\nduckdb:\n  threads: 1.5\n", []string{`3:12: expected a whole number, found "1.5"`}},
		{"version: 1\nduckdb:\n  threads: 1e3\n", []string{`3:12: expected a whole number, found "1e3"`}},
		{"version: 1\ntargets:\n  prod:\n    duckdb: {threads: 2.0}\n", []string{`4:23: expected a whole number`}},
		{"version: 1\nduckdb:\n  threads: 2\n", nil},
		{"version: 1\nduckdb:\n  memory_limit: 1KB\n", []string{`3:3: memory_limit must be at least 64MB`, `found "1KB"`}},
		{"version: 1\nduckdb:\n  memory_limit: 63MB\n", []string{`3:3: memory_limit must be at least 64MB`}},
		{"version: 1\nduckdb:\n  memory_limit: 64MB\n", nil},
		{"version: 1\nduckdb:\n  memory_limit: 0.1GB\n", nil},
		{"version: 1\nduckdb:\n  memory_limit: 100000000\n", []string{`3:3: memory_limit must be a positive size`, "its unit"}},
		{"version: 1\nduckdb:\n  memory_limit: 1.5.5GB\n", []string{`3:3: memory_limit must be a positive size`}},
		{"version: 1\ntargets:\n  dev:\n    duckdb: {memory_limit: 10MB}\n", []string{`4:14: memory_limit must be at least 64MB`}},
		{"version: 1\ntargets:\n  prod:\n    engine: snowflake\n", []string{`4:5: target prod: engine: "snowflake" is not one elt builds in: duckdb (the default), postgres or redshift`}},
		{"version: 1\ntargets:\n  prod:\n    engine: redshift\n", []string{`4:5: target prod: engine: redshift loads through S3`}},
		{"version: 1\ntargets:\n  prod:\n    engine: postgres\n    load: {stage: 's3://b/p'}\n", []string{`5:5: target prod: load: is for engine: redshift`}},
		{"version: 1\ntargets:\n  prod:\n    engine: redshift\n    load: {stage: 's3://b/p', iam_role: 'arn:aws:iam::1:role/r'}\n", nil},
		{"version: 1\nvars:\n  x: .inf\n", []string{`3:3: variable x: +Inf is not a SQL value`}},
		{"version: 1\nvars:\n  x: .nan\n", []string{`3:3: variable x: NaN is not a SQL value`}},
		{"version: 1\ntargets:\n  prod:\n    vars: {y: -.inf}\n", []string{`4:12: variable y: -Inf`}},
		{"version: 1\nvars:\n  x: '.inf'\n  y: 1.5\n", nil},
		{src + "      - {name: n, type: integer, default: abc}\n", []string{`6:34: source o: default "abc" is not a whole number`}},
		{src + "      - {name: n, type: integer, default: ' 7'}\n", nil},
		{src + "      - {name: n, type: text, max_length: 3, default: unknown}\n", []string{`default "unknown" is 7 bytes, longer than the field's max_length 3`}},
		{src + "      - {name: n, type: text, max_length: 7, default: unknown}\n", nil},
		{src + "      - {name: n, type: integer, default: '99999999999999999999'}\n", []string{"beyond a 64-bit integer"}},
		{src + "      - {name: n, type: 'decimal(4,2)', default: '123.4'}\n", []string{`not a decimal(4,2)`}},
		{src + "      - {name: n, type: 'decimal(4,2)', default: '12.34'}\n", nil},
		{src + "      - {name: n, type: boolean, default: yes}\n", []string{`"yes" is not true or false`}},
		{src + "      - {name: n, type: date, default: 2026-02-30}\n", []string{`"2026-02-30" is not a date`}},
		{src + "      - {name: n, type: date, default: 2026-02-28}\n", nil},
		{src + "      - {name: n, type: timestamp, default: 'noon'}\n", []string{`"noon" is not a timestamp`}},
		{src + "      - {name: n, type: timestamp, default: '2026-01-01T10:00:00Z'}\n", nil},
		{src + "      - {name: n, type: timestamp, default: '0'}\n", nil},
		{src + "      - {name: n, type: json, default: '{'}\n", []string{`"{" is not valid JSON`}},
		{ndjson + "      - {name: n, type: json, default: '{'}\n", nil},
		{src + "      - {name: n, type: text, values: [a, b], default: c}\n", []string{`default "c" is not one of the field's values`}},
		{src + "      - {name: n, type: integer, min: 0, max: 9, default: 10}\n", []string{`default "10" is outside`}},
		{src + "      - {name: n, type: text, pattern: '[a-z]+', default: '1'}\n", []string{`does not match the field's pattern`}},
		{src + "      - {name: n, type: integer, min: 10, max: 1}\n", []string{`6:34: source o: min 10 is above max 1`}},
		{src + "      - {name: n, type: integer, min: 1, max: 1}\n", nil},
		{src + "      - {name: n, type: integer, min: .nan}\n", []string{`6:34: source o: min must be a finite number, found NaN`}},
		{src + "      - {name: n, type: integer, max: -.inf}\n", []string{`6:34: source o: max must be a finite number, found -Inf`}},
		{src + "      - {name: n, type: integer, max: 1e400}\n", []string{`6:7: expected a number, found "1e400", which is out of range`}},
		{src + "      - {name: c1, type: text, column: extra}\n      - {name: c2, type: text, column: extra}\n",
			[]string{`7:32: source o: fields c1 and c2 both read the column "extra"`}},
		{src + "      - {name: order_id, type: id}\n      - {name: note, type: text, column: order_id}\n",
			[]string{`7:34: source o: fields order_id and note both read the column "order_id" of the files (field order_id is named so)`}},
		{src + "      - {name: c1, type: text, column: Extra}\n      - {name: c2, type: text, column: extra}\n", []string{"both read the column"}},
		{ndjson + "      - {name: c1, type: text, column: Extra}\n      - {name: c2, type: text, column: extra}\n", nil},
		{src + "      - {name: a, type: text, column: b}\n      - {name: b, type: text, column: a}\n", nil},
	})
}

// TestHeaderCheckBounds: a range or row_count check in a model header
// whose bounds are not finite or cross is refused at its line.
func TestHeaderCheckBounds(t *testing.T) {
	for _, tc := range []struct{ check, want string }{
		{"{range: {min: 10, max: 1}}", "min 10 is above max 1"},
		{"{range: {min: .nan}}", "min must be a finite number, found NaN"},
		{"{row_count: {max: .inf}}", "max must be a finite number, found +Inf"},
		{"{range: {min: 1, max: 1}}", ""},
		{"{max_null_pct: .nan}", "max_null_pct is a percentage"},
		{"{range: {min: 1, mostly: .nan}}", "mostly is the share"},
	} {
		text := "/*\ncolumns:\n  - name: a\n    checks: [" + tc.check + "]\n*/\nSELECT 1 AS a\n"
		_, err := ParseModel("models/gold/m.sql", "gold", "m", text, ModelDefaults{})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.check, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "models/gold/m.sql:4:")):
			t.Errorf("%s: got %v, want models/gold/m.sql:4: ... %s", tc.check, err, tc.want)
		}
	}
}
