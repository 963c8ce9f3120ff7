package project

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestStorageConfig: the storage: section and s3:// paths load; settings
// out of range, a warehouse on S3 and credentials in elt.yaml are refused
// at their line.
func TestStorageConfig(t *testing.T) {
	checkConfigs(t, []configCase{
		{"version: 1\npaths:\n  bronze: s3://lake/bronze\n  output: s3://lake/out\nstorage:\n  region: eu-west-1\n  endpoint: http://127.0.0.1:9000\n  path_style: true\n  page_size: 100\n  timeout: 30s\n", nil},
		{"version: 1\nsources:\n  e:\n    path: s3://other-bucket/events\n    format: ndjson\n    fields: [{name: id, type: id}]\n", nil},
		{"version: 1\nstorage:\n  page_size: 5000\n", []string{"3:3: storage.page_size must be from 1 to 1000"}},
		{"version: 1\nstorage:\n  endpoint: 127.0.0.1:9000\n", []string{"3:3: storage.endpoint must be an http:// or https:// address"}},
		{"version: 1\npaths:\n  warehouse: s3://lake/w.duckdb\n", []string{"3:3: paths.warehouse is s3://lake/w.duckdb: the warehouse is a local DuckDB file"}},
		{"version: 1\npaths:\n  bronze: s3://\n", []string{`3:3: "s3://" names no bucket`}},
		{"version: 1\nstorage:\n  secret_access_key: abc\n", []string{"3:3: storage.secret_access_key: elt never reads credentials from elt.yaml"}},
		{"version: 1\ntargets:\n  prod:\n    storage:\n      access_key_id: AKIA\n", []string{"5:7: targets.prod.storage.access_key_id: elt never reads credentials"}},
	})
}

// TestCredentialsNotShown: the line shown under the error has the secret
// masked, block style and flow style.
func TestCredentialsNotShown(t *testing.T) {
	for _, text := range []string{
		"version: 1\nstorage:\n  secret_access_key: ABCSECRET\n",
		"version: 1\nstorage: {region: eu-west-1, secret_access_key: ABCSECRET, endpoint: 'http://x'}\n",
		"version: 1\ntargets:\n  prod:\n    storage: {\"aws_secret_access_key\": ABCSECRET}\n",
	} {
		_, err := ParseConfig(text)
		if err == nil || !strings.Contains(err.Error(), "elt never reads credentials") || strings.Contains(err.Error(), "ABCSECRET") {
			t.Errorf("%q: %v", text, err)
		}
	}
}

// TestResolveKeepsURLs: an s3:// path is taken as written, never against
// the project folder.
func TestResolveKeepsURLs(t *testing.T) {
	p := &Project{Dir: t.TempDir()}
	if got := p.Resolve("s3://lake/bronze"); got != "s3://lake/bronze" {
		t.Errorf("Resolve(s3://lake/bronze) = %q", got)
	}
	if got := p.Resolve("data"); got != filepath.Join(p.Dir, "data") {
		t.Errorf("Resolve(data) = %q", got)
	}
}

// TestOutputInsideBronzeOnS3: exports under a source's S3 prefix are
// refused as for folders.
func TestOutputInsideBronzeOnS3(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, "version: 1\npaths:\n  bronze: s3://lake/bronze\n  output: s3://lake/bronze/events/out\nsources:\n  events:\n    format: ndjson\n    fields: [{name: id, type: id}]\n")
	_, err := Load(dir, Overrides{})
	if err == nil || !strings.Contains(err.Error(), "is inside the folder of bronze source events") {
		t.Fatalf("got %v", err)
	}
	writeConfig(t, dir, "version: 1\npaths:\n  bronze: s3://lake/bronze\n  output: s3://lake/exports\nsources:\n  events:\n    format: ndjson\n    fields: [{name: id, type: id}]\n")
	if _, err := Load(dir, Overrides{}); err != nil {
		t.Fatal(err)
	}
}

// TestURLFlags: an s3:// flag is checked as elt.yaml's paths are, as a
// usage error.
func TestURLFlags(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, "version: 1\n")
	for _, c := range []struct {
		o    Overrides
		want string
	}{
		{Overrides{Bronze: "s3://"}, `--bronze: "s3://" names no bucket`},
		{Overrides{Warehouse: "s3://lake/w.duckdb"}, "--warehouse: paths.warehouse is s3://lake/w.duckdb: the warehouse is a local DuckDB file"},
		{Overrides{Output: "s3://K:S@lake/out"}, "--output: s3://…@lake: an s3:// address carries no credentials"},
	} {
		_, err := Load(dir, c.o)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: %v, want a usage error starting %q", c.o, err, c.want)
		}
	}
}
