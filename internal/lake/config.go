package lake

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/digitalservices/elt/internal/diag"
)

// CheckPath says what is wrong with an s3:// address given for a project
// path (key: bronze, output, warehouse, design; "" for a source's path),
// "" when nothing is.
func CheckPath(key, u string) string {
	switch key {
	case "warehouse":
		return fmt.Sprintf("paths.warehouse is %s: the warehouse is a local DuckDB file (DuckDB writes it in place); keep it on a local disk, and put bronze and output on S3", u)
	case "design":
		return fmt.Sprintf("paths.design is %s: design notes are a local folder", u)
	}
	if _, err := Parse(u); err != nil {
		return err.Error()
	}
	return ""
}

// credentialKeys are keys people put in a storage: section that elt never
// reads there.
var credentialKeys = []string{"access_key_id", "aws_access_key_id", "secret_access_key", "aws_secret_access_key", "session_token",
	"aws_session_token", "access_key", "secret_key", "secret", "password", "profile"}

// credentialRe finds a credential key's value in YAML text, block or flow
// style: the key and its colon, then the value up to the end of the line,
// a comma or a closing brace.
var credentialRe = regexp.MustCompile(`(?m)((?:^|[\s{,])["']?(?:` + strings.Join(credentialKeys, "|") + `)["']?[ \t]*:[ \t]*)[^,}\r\n]*`)

// RefuseCredentials refuses credentials written into the storage: sections
// of a configuration file (elt.yaml's own and each of its targets'), at
// their line, saying where they belong: elt takes them only from the AWS
// default chain, so that none is ever committed with a project.
func RefuseCredentials(file, text string) error {
	var loose struct {
		Targets map[string]any `yaml:"targets"`
	}
	yaml.Unmarshal([]byte(text), &loose) // a broken file is the strict decoding's to report
	sections := [][]string{{"storage"}}
	for _, t := range slices.Sorted(maps.Keys(loose.Targets)) {
		sections = append(sections, []string{"targets", t, "storage"})
	}
	loc := diag.NewLocator(text)
	// The lines shown under an error have the values masked: a secret
	// written there is not printed back.
	shown := credentialRe.ReplaceAllString(text, "${1}"+diag.Redacted)
	var errs diag.Errors
	for _, p := range sections {
		for _, k := range credentialKeys {
			if line, col, set := loc.Lookup(append(p[:len(p):len(p)], k)...); set {
				errs = append(errs, diag.At(file, shown, line, col, "%s: elt never reads credentials from %s: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "+
					"(or AWS_PROFILE) in the environment, or use a shared config file, web identity or an instance role (the AWS default chain); remove this key",
					strings.Join(append(p[:len(p):len(p)], k), "."), file))
			}
		}
	}
	return errs.Err()
}
