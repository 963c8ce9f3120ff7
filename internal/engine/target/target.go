// Package target is what elt.yaml's targets say of the engine they build
// in (engine:, load:), checked; the project reads it, the engine builds
// with it.
package target

import (
	"fmt"
	"strings"
)

// Load is how the checked records of a redshift target reach it: Parquet
// files under an s3:// prefix, loaded by COPY with an IAM role.
type Load struct {
	Stage   string `yaml:"stage"`
	IAMRole string `yaml:"iam_role"`
}

// DSNEnv is the environment variable holding an engine's connection (a
// PostgreSQL URL or key=value DSN): never written in elt.yaml.
const DSNEnv = "ELT_ENGINE_DSN"

// Problem is what is wrong with a target's engine: and load: keys, and
// the key to point at ("" and "" when nothing).
func Problem(engine string, load Load) (key, msg string) {
	switch engine {
	case "", "duckdb":
		if load != (Load{}) {
			return "load", "load: is for engine: redshift; this target builds in the embedded DuckDB"
		}
	case "postgres":
		if load != (Load{}) {
			return "load", "load: is for engine: redshift; PostgreSQL is loaded over its own connection"
		}
	case "redshift":
		if !strings.HasPrefix(load.Stage, "s3://") {
			return "engine", "engine: redshift loads through S3: add load: {stage: s3://bucket/prefix, iam_role: arn:aws:iam::...:role/...}"
		}
		if load.IAMRole == "" {
			return "load", "load: needs iam_role: the role Redshift's COPY reads the stage with"
		}
	default:
		return "engine", fmt.Sprintf("engine: %q is not one elt builds in: duckdb (the default), postgres or redshift", engine)
	}
	return "", ""
}
