package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// ddlProject is the repository's project with its committed design/ files,
// and the arguments that point elt at it, at bronze folders that are empty
// and at a warehouse file that does not exist yet.
func ddlProject(t *testing.T) (proj string, base []string) {
	t.Helper()
	proj = conformanceProject(t)
	copyDir(t, repoRoot(t), proj, "design")
	bronze := filepath.Join(t.TempDir(), "bronze")
	for _, src := range []string{"events", "transactions", "users"} {
		if err := os.MkdirAll(filepath.Join(bronze, src), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return proj, []string{"--project", proj, "--bronze", bronze, "--warehouse", filepath.Join(t.TempDir(), "w.duckdb")}
}

// TestDDLCheckFollowsModelSQL: a type changed in a model's SQL makes
// `elt ddl --check` fail (exit 1, naming the stale file only) until `elt
// ddl` writes it. That the DDL follows the SQL, not the built table, for a
// type changed, a column renamed or added, is internal/inspect's
// TestDDLCheckFollowsModelSQL.
func TestDDLCheckFollowsModelSQL(t *testing.T) {
	proj, base := ddlProject(t)
	model := filepath.Join(proj, "models", "gold", "fraud_velocity_alerts.sql")
	sqlText, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	from, to := "count(*)::INTEGER AS transactions_in_window", "count(*)::BIGINT AS transactions_in_window"
	if !strings.Contains(string(sqlText), from) {
		t.Fatalf("the model no longer has %q", from)
	}
	testutil.WriteFile(t, model, strings.Replace(string(sqlText), from, to, 1))
	code, out, errs := elt(t, append(base, "ddl", "--check")...)
	if code != 1 || !strings.Contains(errs, "out of date: design/gold.fraud_velocity_alerts.sql;") || strings.Contains(errs, "gold.user_features") {
		t.Errorf("ddl --check after the SQL changed: exit %d\n%s%s", code, out, errs)
	}
	if out := mustElt(t, append(base, "ddl", "gold.fraud_velocity_alerts")...); out != "wrote design/gold.fraud_velocity_alerts.sql\n" {
		t.Errorf("elt ddl: %q", out)
	}
	if out := mustElt(t, append(base, "ddl", "--check")...); !strings.Contains(out, "6 DDL files up to date") {
		t.Errorf("ddl --check after elt ddl: %s", out)
	}
}

// TestDDLWithoutWarehouse: on a project never built (no warehouse file at
// all) `elt ddl --stdout`, `--check` and `--copy` work, from the SQL alone,
// and leave no warehouse behind (before, each said "run `elt build`
// first"); only `--measure`, which measures data, asks for a build.
func TestDDLWithoutWarehouse(t *testing.T) {
	proj, base := ddlProject(t)
	warehouse := base[len(base)-1]
	out := mustElt(t, append(base, "ddl", "--stdout")...)
	for _, want := range []string{"CREATE TABLE IF NOT EXISTS silver.events (", "CREATE TABLE IF NOT EXISTS gold.fraud_velocity_alerts (", "    transactions_in_window INTEGER,"} {
		if !strings.Contains(out, want) {
			t.Errorf("ddl --stdout lacks %q:\n%s", want, out)
		}
	}
	if out := mustElt(t, append(base, "ddl", "--check")...); out != "6 DDL files up to date\n" {
		t.Errorf("ddl --check against the committed design/: %q", out)
	}
	if out := mustElt(t, append(base, "ddl", "--copy", "s3://bucket/x", "--iam-role", "arn:aws:iam::1:role/r", "gold.user_features")...); !strings.Contains(out, "COPY gold.user_features\nFROM 's3://bucket/x/gold/user_features/parquet/'") {
		t.Errorf("ddl --copy:\n%s", out)
	}
	code, out, errs := elt(t, append(base, "ddl", "--measure")...)
	if code != 1 || !strings.Contains(errs, "run `elt build` first") {
		t.Errorf("ddl --measure before a build: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(warehouse); !os.IsNotExist(err) {
		t.Errorf("elt ddl left a warehouse at %s: %v", warehouse, err)
	}
	if _, err := os.Stat(filepath.Join(proj, "data")); !os.IsNotExist(err) {
		t.Errorf("elt ddl made data/: %v", err)
	}

	// A project of one model, never built, in its own folder.
	dir := minimalProject(t, t.TempDir())
	if out := mustElt(t, "--project", dir, "ddl", "--stdout"); !strings.Contains(out, "CREATE TABLE IF NOT EXISTS gold.one (\n    id INTEGER\n)") {
		t.Errorf("ddl --stdout of a project never built:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("elt ddl made data/: %v", err)
	}
}

// TestDDLModelThatDoesNotBind: a model whose SQL does not bind is an error
// at its place in the model file (DuckDB's message, the line shown), not
// "not built yet"; every such model is named, together.
func TestDDLModelThatDoesNotBind(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "one.sql"), "SELECT 1 AS id\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "two.sql"), "SELECT id,\n       nosuch\nFROM gold.one\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "three.sql"), "SELECT lenght('x') AS n\n")
	testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "four.sql"), "SELECT * FROM gold.two\n")
	code, out, errs := elt(t, "--project", dir, "ddl", "--check")
	for _, want := range []string{"models/gold/two.sql:2:8: Binder Error", `"nosuch"`, "models/gold/three.sql:1:8: Catalog Error", "lenght"} {
		if !strings.Contains(errs, want) {
			t.Errorf("lacks %q", want)
		}
	}
	if code != 1 || strings.Contains(errs, "not built yet") || strings.Contains(errs, "four.sql") {
		t.Errorf("ddl --check of models that do not bind: exit %d\n%s%s", code, out, errs)
	}
}

// TestDDLHeaderLength: a header column's length outside 1..65535 stops
// `elt ddl` at the value's place in the header (before, -5 was ignored and
// 100000 became VARCHAR(65535)); the bounds themselves are taken.
func TestDDLHeaderLength(t *testing.T) {
	for _, tc := range []struct{ length, want string }{
		{"-5", "models/gold/one.sql:4:13: column name: length is a size in bytes from 1 to 65535 (Redshift's largest VARCHAR), found -5"},
		{"100000", "models/gold/one.sql:4:13: column name: length is a size in bytes from 1 to 65535 (Redshift's largest VARCHAR), found 100000"},
		{"0", "models/gold/one.sql:4:13: column name: length is a size in bytes from 1 to 65535"},
		{"1", "name VARCHAR(1)"},
		{"65535", "name VARCHAR(65535)"},
	} {
		t.Run(tc.length, func(t *testing.T) {
			dir := t.TempDir()
			testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), "version: 1\n")
			testutil.WriteFile(t, filepath.Join(dir, "models", "gold", "one.sql"), "/*\ncolumns:\n  - name: name\n    length: "+tc.length+"\n*/\nSELECT 'x' AS name\n")
			code, out, errs := elt(t, "--project", dir, "ddl", "--stdout")
			if strings.HasPrefix(tc.want, "models/") {
				if code != 1 || !strings.Contains(errs, tc.want) {
					t.Errorf("exit %d, want %q\n%s%s", code, tc.want, out, errs)
				}
			} else if code != 0 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want %q\n%s%s", code, tc.want, out, errs)
			}
		})
	}
}
