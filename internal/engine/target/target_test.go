package target

import (
	"strings"
	"testing"
)

func TestProblem(t *testing.T) {
	stage := Load{Stage: "s3://b/stage", IAMRole: "arn:aws:iam::1:role/r"}
	for _, tc := range []struct {
		engine   string
		load     Load
		key, has string
	}{
		{"", Load{}, "", ""},
		{"duckdb", Load{}, "", ""},
		{"postgres", Load{}, "", ""},
		{"redshift", stage, "", ""},
		{"duckdb", stage, "load", "is for engine: redshift"},
		{"postgres", stage, "load", "PostgreSQL is loaded over its own connection"},
		{"redshift", Load{}, "engine", "loads through S3"},
		{"redshift", Load{Stage: "/local/folder", IAMRole: "r"}, "engine", "loads through S3"},
		{"redshift", Load{Stage: "s3://b/p"}, "load", "needs iam_role"},
		{"snowflake", Load{}, "engine", `"snowflake" is not one elt builds in`},
	} {
		key, msg := Problem(tc.engine, tc.load)
		if key != tc.key || !strings.Contains(msg, tc.has) || (tc.has == "") != (msg == "") {
			t.Errorf("Problem(%q, %+v) = %q, %q; want %q and a message with %q", tc.engine, tc.load, key, msg, tc.key, tc.has)
		}
	}
}
