package project

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/digitalservices/elt/internal/diag"
)

// with is s with what a target's storage: sets laid over it.
func (s Storage) with(t Storage) Storage {
	if t.Region != "" {
		s.Region = t.Region
	}
	if t.Endpoint != "" {
		s.Endpoint = t.Endpoint
	}
	if t.PathStyle != nil {
		s.PathStyle = t.PathStyle
	}
	if t.PageSize != 0 {
		s.PageSize = t.PageSize
	}
	if t.Timeout != 0 {
		s.Timeout = t.Timeout
	}
	return s
}

// checkURL says what is wrong with an s3:// address given for a path
// (key: bronze, output, warehouse, design; "" for a source's path), "" when
// nothing is.
func checkURL(key, u string) string {
	switch key {
	case "warehouse":
		return fmt.Sprintf("paths.warehouse is %s: the warehouse is a local DuckDB file (DuckDB writes it in place); keep it on a local disk, and put bronze and output on S3", u)
	case "design":
		return fmt.Sprintf("paths.design is %s: design notes are a local folder", u)
	}
	bucket, _, _ := strings.Cut(u[len("s3://"):], "/")
	if len(bucket) < 3 || len(bucket) > 63 {
		return fmt.Sprintf("%s names no bucket: write s3://bucket/prefix", u)
	}
	return ""
}

// credentialKeys are keys people put in a storage: section that elt never
// reads there.
var credentialKeys = []string{"access_key_id", "aws_access_key_id", "secret_access_key", "aws_secret_access_key", "session_token", "aws_session_token", "access_key", "secret_key", "secret", "password", "profile"}

// refuseCredentials refuses credentials written into elt.yaml's storage:
// sections, saying where they belong: elt takes them only from the AWS
// default chain, so that none is ever committed with a project.
func refuseCredentials(text string) error {
	loc := diag.NewLocator(text)
	var errs diag.Errors
	var paths [][]string
	paths = append(paths, []string{"storage"})
	var loose struct {
		Targets map[string]any `yaml:"targets"`
	}
	yaml.Unmarshal([]byte(text), &loose) // a broken file is the strict decoding's to report
	for _, t := range sortedKeys(loose.Targets) {
		paths = append(paths, []string{"targets", t, "storage"})
	}
	for _, p := range paths {
		for _, k := range credentialKeys {
			if line, col, set := loc.Lookup(append(p, k)...); set {
				what := "credentials"
				if k == "profile" {
					what = "the AWS profile"
				}
				errs = append(errs, diag.At(ConfigFile, text, line, col, "%s: elt never reads %s from %s: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment, "+
					"or use a shared config file, web identity or an instance role (the AWS default chain); remove this key", strings.Join(append(p, k), "."), what, ConfigFile))
			}
		}
	}
	return errs.Err()
}
