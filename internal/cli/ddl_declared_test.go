package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// itemsProject has a source whose fields declare max_length (and one JSON
// field), a silver model reading it and a gold model reading the silver
// one; the gold header declares one column's length.
func itemsProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), `version: 1
models:
  materialized: table
sources:
  items:
    format: ndjson
    key: id
    max_quarantine_pct: 100
    fields:
      - {name: id,      type: id,   required: true, max_length: 12}
      - {name: name,    type: text, max_length: 100}
      - {name: note,    type: text}
      - {name: payload, type: json}
`)
	testutil.WriteFile(t, filepath.Join(dir, "models", "silver", "items.sql"), `SELECT id, name, note, payload,
    payload->>'colour' AS colour,
    CAST(payload AS VARCHAR) AS payload_text,
    lower(name) AS lower_name,
    length(note) AS note_length
FROM bronze.items
`)
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "items.sql"), `/*
columns:
  - {name: note, length: 12}
*/
SELECT i.id, i.name AS item_name, i.note, i.colour, i.id || i.name AS id_name, CAST(i.note_length AS VARCHAR) AS note_length
FROM silver.items AS i
`)
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "all_items.sql"), "SELECT * FROM silver.items\n")
	return dir
}

var ddlColumnLineRe = regexp.MustCompile(`(?m)^    (\S+)\s+(.+?),?$`)

// ddlTypes are the Redshift types of a generated CREATE TABLE, by column.
func ddlTypes(ddl string) map[string]string {
	out := map[string]string{}
	for _, m := range ddlColumnLineRe.FindAllStringSubmatch(ddl, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestDDLSizesFromDeclarations: a text column's VARCHAR size is the
// header's length, else the max_length of the source field it is copied
// from (through silver into gold), else 256, or 65535 for text from JSON;
// never the longest value in the warehouse. A value longer than its
// field's max_length is invalid, so the declared size holds.
func TestDDLSizesFromDeclarations(t *testing.T) {
	proj := itemsProject(t)
	bronze := filepath.Join(t.TempDir(), "bronze")
	base := []string{"--project", proj, "--bronze", bronze}
	if err := os.MkdirAll(filepath.Join(bronze, "items"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustElt(t, append(base, "build")...)
	empty := mustElt(t, append(base, "ddl", "--stdout")...)
	long := strings.Repeat("n", 300)
	testutil.WriteFile(t, filepath.Join(bronze, "items", "a.json"),
		`{"id": "i1", "name": "Lamp", "note": "`+long+`", "payload": {"colour": "`+strings.Repeat("c", 1000)+`"}}`+"\n"+
			`{"id": "i2-far-too-long-for-twelve", "name": "Desk", "note": "x", "payload": {}}`+"\n")
	mustElt(t, append(base, "build")...)
	full := mustElt(t, append(base, "ddl", "--stdout")...)
	if full != empty {
		t.Errorf("the DDL changed with the data:\n%s", testutil.Diff("on an empty warehouse", empty, "after a build", full))
	}
	ddls := map[string]string{}
	heads := regexp.MustCompile(`(?m)^-- (\S+) for Amazon Redshift\.$`).FindAllStringSubmatchIndex(full, -1)
	for i, h := range heads {
		end := len(full)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		ddls[full[h[2]:h[3]]] = full[h[0]:end]
	}
	silver, gold, star := ddls["silver.items"], ddls["gold.items"], ddls["gold.all_items"]
	for _, tc := range []struct {
		ddl, col, want string
	}{
		{silver, "id", "VARCHAR(12) NOT NULL"},
		{silver, "name", "VARCHAR(100)"},
		{silver, "note", "VARCHAR(256)"},
		{silver, "payload", "SUPER"},
		{silver, "colour", "VARCHAR(65535)"},
		{silver, "payload_text", "VARCHAR(65535)"},
		{silver, "lower_name", "VARCHAR(256)"},
		{silver, "note_length", "BIGINT"},
		{gold, "id", "VARCHAR(12)"},
		{gold, "item_name", "VARCHAR(100)"},
		{gold, "note", "VARCHAR(12)"},
		{gold, "colour", "VARCHAR(65535)"},
		{gold, "id_name", "VARCHAR(256)"},
		{gold, "note_length", "VARCHAR(256)"},
		{star, "id", "VARCHAR(12) NOT NULL"},
		{star, "name", "VARCHAR(100)"},
		{star, "note", "VARCHAR(256)"},
		{star, "colour", "VARCHAR(65535)"},
		{star, "payload", "SUPER"},
	} {
		if got := ddlTypes(tc.ddl)[tc.col]; got != strings.TrimSuffix(tc.want, " NOT NULL") && got != tc.want {
			t.Errorf("%s: %q, want %s in\n%s", tc.col, got, tc.want, tc.ddl)
		}
	}
	// The id longer than its max_length is quarantined, not loaded.
	got := mustElt(t, append(base, "query", "--format", "csv", "SELECT id FROM silver.items UNION ALL SELECT reason FROM silver.quarantine ORDER BY 1")...)
	if got != "id\ni1\ninvalid_id\n" {
		t.Errorf("silver ids and quarantine reasons:\n%s", got)
	}
}

// TestDDLMeasureIsAdvice: --measure prints the longest values and the
// sizes they suggest, labelled as advice, and writes no file; it does not
// combine with the other modes.
func TestDDLMeasureIsAdvice(t *testing.T) {
	proj := itemsProject(t)
	bronze := filepath.Join(t.TempDir(), "bronze")
	base := []string{"--project", proj, "--bronze", bronze}
	testutil.WriteFile(t, filepath.Join(bronze, "items", "a.json"), `{"id": "i1", "name": "Lamp", "note": "`+strings.Repeat("n", 300)+`", "payload": {}}`+"\n")
	mustElt(t, append(base, "build")...)
	out := mustElt(t, append(base, "ddl", "--measure")...)
	for _, want := range []string{"Advice only", "nothing was written",
		"Too small for this warehouse's data (Redshift would reject the longer values): silver.items.note (VARCHAR(256), longest 300 bytes), ",
		" gold.items.note (VARCHAR(12), longest 300 bytes)\n",
		"elt.yaml: sources.items field id max_length",
		"models/gold/items.sql: columns note length"} {
		if !strings.Contains(out, want) {
			t.Errorf("--measure lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`silver\.items +│ note +│ VARCHAR\(256\) +│ \(default\) +│ +300 │ VARCHAR\(512\)`).MatchString(out) {
		t.Errorf("--measure: no advice of VARCHAR(512) for silver.items.note:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(proj, "design")); !os.IsNotExist(err) {
		t.Errorf("--measure wrote design/: %v", err)
	}
	if code, _, errs := elt(t, append(base, "ddl", "--measure", "--check")...); code != 2 || !strings.Contains(errs, "give one of them") {
		t.Errorf("--measure --check: exit %d, %s", code, errs)
	}
}

// TestMaxLengthDeclaration: max_length is for text and id fields, in
// bytes up to Redshift's largest VARCHAR; anything else is an error at
// its place in elt.yaml.
func TestMaxLengthDeclaration(t *testing.T) {
	for _, tc := range []struct{ field, want string }{
		{"{name: n, type: integer, max_length: 5}", "elt.yaml:6:"},
		{"{name: n, type: text, max_length: 70000}", "from 1 to 65535"},
		{"{name: n, type: text, max_length: -1}", "from 1 to 65535"},
	} {
		dir := t.TempDir()
		testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\nsources:\n  things:\n    format: ndjson\n    fields:\n      - "+tc.field+"\n")
		code, out, errs := elt(t, "--project", dir, "build")
		if code == 0 || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "max_length") {
			t.Errorf("%s: exit %d, want %q\n%s%s", tc.field, code, tc.want, out, errs)
		}
	}
}
