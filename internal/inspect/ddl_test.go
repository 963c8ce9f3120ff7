package inspect

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestDDLSameOnAnyWarehouse: the Redshift DDL is the project's, not the
// data's. The DDL made for the repository's project (with
// testdata/conformance/elt.yaml) is what its committed design/ files hold
// (elt ddl --check), with the same text, whether its warehouse was built
// from empty bronze folders or from each conformance case (before, a case's
// short ids gave user_id VARCHAR(16) and the check failed).
func TestDDLSameOnAnyWarehouse(t *testing.T) {
	ctx := context.Background()
	root := testutil.RepoRoot(t)
	proj := t.TempDir()
	testutil.CopyFile(t, filepath.Join(root, "testdata", "conformance", "elt.yaml"), filepath.Join(proj, "elt.yaml"))
	testutil.CopyTree(t, filepath.Join(root, "models"), filepath.Join(proj, "models"))
	testutil.CopyTree(t, filepath.Join(root, "design"), filepath.Join(proj, "design"))
	ddl := func(t *testing.T, bronze string) string {
		t.Helper()
		o := project.Overrides{Bronze: bronze, Warehouse: filepath.Join(t.TempDir(), "w.duckdb")}
		p, err := project.Load(proj, o)
		if err != nil {
			t.Fatal(err)
		}
		db, err := state.Open(ctx, p, state.Write)
		if err != nil {
			t.Fatal(err)
		}
		b := &build.Builder{Project: p, DB: db}
		_, err = b.Run(ctx, build.Options{})
		db.Close()
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		res, err := DDL(ctx, proj, o, nil, nil, DDLOptions{})
		if err != nil {
			t.Fatalf("ddl: %v", err)
		}
		if len(res.Files) == 0 {
			t.Fatal("no DDL files")
		}
		if stale := StaleDDL(res.Files); len(stale) > 0 {
			t.Errorf("out of date: %s", strings.Join(stale, ", "))
		}
		var text strings.Builder
		for _, f := range res.Files {
			text.WriteString(f.Text)
		}
		return text.String()
	}
	empty := t.TempDir()
	for _, src := range []string{"events", "transactions", "users"} {
		if err := os.MkdirAll(filepath.Join(empty, src), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := ddl(t, empty)
	if !strings.Contains(want, "CREATE TABLE IF NOT EXISTS silver.events") {
		t.Fatalf("no DDL of silver.events:\n%s", want)
	}
	for _, dir := range testutil.ConformanceCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			testutil.SkipPending(t, dir)
			if got := ddl(t, filepath.Join(dir, "bronze")); got != want {
				t.Errorf("DDL differs from the empty warehouse's:\n%s", testutil.Diff("empty", want, filepath.Base(dir), got))
			}
		})
	}
}

// TestDDLCheckFollowsModelSQL: the DDL's column types are the model's SQL
// as it stands, not the built table's. A type changed, a column renamed or
// added in the SQL makes the DDL stale at once, without a rebuild (before,
// elt ddl --check said "up to date" until elt build --full-refresh), and
// elt ddl writes the new types while the warehouse still has the old.
func TestDDLCheckFollowsModelSQL(t *testing.T) {
	ctx := context.Background()
	root := testutil.RepoRoot(t)
	proj := t.TempDir()
	testutil.CopyFile(t, filepath.Join(root, "testdata", "conformance", "elt.yaml"), filepath.Join(proj, "elt.yaml"))
	testutil.CopyTree(t, filepath.Join(root, "models"), filepath.Join(proj, "models"))
	testutil.CopyTree(t, filepath.Join(root, "design"), filepath.Join(proj, "design"))
	bronze := filepath.Join(t.TempDir(), "bronze")
	for _, src := range []string{"events", "transactions", "users"} {
		if err := os.MkdirAll(filepath.Join(bronze, src), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	o := project.Overrides{Bronze: bronze, Warehouse: filepath.Join(t.TempDir(), "w.duckdb")}
	p, err := project.Load(proj, o)
	if err != nil {
		t.Fatal(err)
	}
	db, err := state.Open(ctx, p, state.Write)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&build.Builder{Project: p, DB: db}).Run(ctx, build.Options{}); err != nil {
		t.Fatalf("build: %v", err)
	}
	db.Close()
	stale := func(names ...string) (files []DDLFile, stale []string) {
		t.Helper()
		res, err := DDL(ctx, proj, o, names, nil, DDLOptions{})
		if err != nil {
			t.Fatalf("ddl: %v", err)
		}
		return res.Files, StaleDDL(res.Files)
	}
	if files, s := stale(); len(s) > 0 || len(files) != 6 {
		t.Fatalf("after the build: %d files, out of date: %q", len(files), s)
	}
	model := filepath.Join(proj, "models", "gold", "fraud_velocity_alerts.sql")
	design := filepath.Join(proj, "design", "gold.fraud_velocity_alerts.sql")
	sqlText, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(design)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"type", "count(*)::INTEGER AS transactions_in_window", "count(*)::BIGINT AS transactions_in_window", "transactions_in_window BIGINT"},
		{"renamed", "::INTEGER AS failed_in_window", "::INTEGER AS failed_attempts", "failed_attempts        INTEGER"},
		{"added", "t.transaction_timestamp,\n", "t.transaction_timestamp, t.transaction_timestamp::DATE AS transaction_date,\n", "transaction_date       DATE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(string(sqlText), tc.from) {
				t.Fatalf("the model no longer has %q", tc.from)
			}
			testutil.WriteFile(t, model, strings.Replace(string(sqlText), tc.from, tc.to, 1))
			defer testutil.WriteFile(t, model, string(sqlText))
			defer testutil.WriteFile(t, design, string(committed))
			if _, s := stale(); !slices.Equal(s, []string{"design/gold.fraud_velocity_alerts.sql"}) {
				t.Errorf("out of date after the SQL changed, not rebuilt: %q", s)
			}
			files, _ := stale("gold.fraud_velocity_alerts")
			if err := WriteDDL(files, io.Discard); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(design); !strings.Contains(string(got), tc.want) {
				t.Errorf("elt ddl wrote no %q:\n%s", tc.want, got)
			}
			if files, s := stale(); len(s) > 0 || len(files) != 6 {
				t.Errorf("after elt ddl: %d files, out of date: %q", len(files), s)
			}
		})
	}
	// The warehouse was not rebuilt: it still has the old type.
	db, err = state.Open(ctx, p, state.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var typ string
	if err := db.QueryRowContext(ctx, "SELECT data_type FROM information_schema.columns WHERE table_name = 'fraud_velocity_alerts' AND column_name = 'transactions_in_window'").Scan(&typ); err != nil || typ != "INTEGER" {
		t.Errorf("the warehouse's type: %q %v", typ, err)
	}
}
