package compile

import (
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/project"
)

func TestRedshiftTableOptions(t *testing.T) {
	model := func(rs *project.Redshift, mat project.Materialization, cols ...project.Column) *project.Model {
		return &project.Model{Schema: "gold", Name: "s", Header: project.Header{Materialized: mat, Redshift: rs, Columns: cols}}
	}
	for _, tc := range []struct {
		m       *project.Model
		e       dialect.Engine
		options string
		after   string
	}{
		{model(&project.Redshift{DistKey: "user_id", SortKey: []string{"start", "id"}}, project.Table), dialect.Redshift, ` DISTKEY("user_id") SORTKEY("start", "id")`, ""},
		{model(&project.Redshift{DistStyle: "all", SortKey: []string{"d"}, SortStyle: "interleaved"}, project.Incremental), dialect.Redshift, ` DISTSTYLE ALL INTERLEAVED SORTKEY("d")`, ""},
		{model(&project.Redshift{DistKey: "user_id"}, project.Table), dialect.Postgres, "", ""},
		{model(&project.Redshift{DistKey: "user_id"}, project.View), dialect.Redshift, "", ""},
		{model(nil, project.Table, project.Column{Name: "Kind", Encode: "bytedict"}, project.Column{Name: "n"}), dialect.Redshift, "",
			`ALTER TABLE "gold"."_elt_staging_s" ALTER COLUMN "kind" ENCODE BYTEDICT`},
		{model(nil, project.Table, project.Column{Name: "kind", Encode: "zstd"}), dialect.Postgres, "", ""},
	} {
		if got := tableOptions(tc.e, tc.m); got != tc.options {
			t.Errorf("tableOptions(%s, %+v) = %q, want %q", tc.e, tc.m.Header.Redshift, got, tc.options)
		}
		if got := strings.Join(encodings(tc.e, tc.m), "; "); got != tc.after {
			t.Errorf("encodings(%s, %+v) = %q, want %q", tc.e, tc.m.Header.Columns, got, tc.after)
		}
	}
}
