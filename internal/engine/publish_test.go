package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil/pgtest"
)

// TestPublish publishes staged tables and views in a real PostgreSQL, as
// a build's last step does, and checks what stays and what is replaced.
func TestPublish(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	run := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	one := func(sql string) (s string) {
		t.Helper()
		if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return s
	}
	table := &project.Model{Schema: "gold", Name: "t", Header: project.Header{Materialized: project.Table}}
	inc := &project.Model{Schema: "gold", Name: "inc", Header: project.Header{Materialized: project.Incremental, UniqueKey: "id"}}
	view := &project.Model{Schema: "gold", Name: "v", Header: project.Header{Materialized: project.View}}
	viewStmt := compile.EngineStatement{Model: view, Publish: "CREATE VIEW gold.v AS SELECT id FROM gold.t"}
	publishNow := func(stage string, stmts ...compile.EngineStatement) error {
		t.Helper()
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, stage); err != nil {
			t.Fatal(err)
		}
		if err := publish(ctx, tx, dialect.Postgres, stmts); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	run(`CREATE SCHEMA gold; CREATE SCHEMA bi`)

	// New: renamed into place.
	if err := publishNow(`CREATE TABLE gold._elt_staging_t AS SELECT 1 AS id, 'a' AS s;
		CREATE TABLE gold._elt_staging_inc AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) AS r(id, s);
		CREATE VIEW gold._elt_staging_v AS SELECT id FROM gold._elt_staging_t`,
		compile.EngineStatement{Model: table}, compile.EngineStatement{Model: inc}, viewStmt); err != nil {
		t.Fatal(err)
	}
	run(`CREATE VIEW bi.reader AS SELECT count(*) AS n FROM gold.t; CREATE VIEW bi.on_view AS SELECT * FROM gold.v`)
	oid, untouched := one(`SELECT 'gold.t'::regclass::oid::text`), one(`SELECT xmin::text FROM gold.inc WHERE id = 1`)

	// The same columns: written in place; the reader's view stays, the
	// incremental model's unchanged row is not written again.
	if err := publishNow(`CREATE TABLE gold._elt_staging_t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS r(id, s);
		CREATE TABLE gold._elt_staging_inc AS SELECT * FROM (VALUES (1, 'a'), (2, 'B'), (4, 'd')) AS r(id, s);
		CREATE VIEW gold._elt_staging_v AS SELECT id FROM gold._elt_staging_t`,
		compile.EngineStatement{Model: table}, compile.EngineStatement{Model: inc}, viewStmt); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		`SELECT 'gold.t'::regclass::oid::text`:                                                           oid,
		`SELECT n::text FROM bi.reader`:                                                                  "2",
		`SELECT string_agg(id || s, ',' ORDER BY id) FROM gold.inc`:                                      "1a,2B,4d",
		`SELECT xmin::text FROM gold.inc WHERE id = 1`:                                                   untouched,
		`SELECT count(*)::text FROM gold.v`:                                                              "2",
		`SELECT count(*)::text FROM bi.on_view`:                                                          "2",
		`SELECT count(*)::text FROM information_schema.tables WHERE table_name LIKE '\_elt\_staging\_%'`: "0",
	} {
		if got := one(q); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}

	// Other columns: replaced whole, which the reader's view stops, named.
	err = publishNow(`CREATE TABLE gold._elt_staging_t AS SELECT 1 AS id, 'a' AS s, 2 AS extra;
		CREATE VIEW gold._elt_staging_v AS SELECT id FROM gold._elt_staging_t`,
		compile.EngineStatement{Model: table}, viewStmt)
	if err == nil || !strings.Contains(err.Error(), "view bi.on_view depends on view gold.v") || !strings.Contains(err.Error(), "a table whose columns changed is replaced whole") {
		t.Fatalf("a replaced table a reader's view depends on: %v", err)
	}
	run(`DROP VIEW bi.on_view`)
	err = publishNow(`CREATE TABLE gold._elt_staging_t AS SELECT 1 AS id, 'a' AS s, 2 AS extra;
		CREATE VIEW gold._elt_staging_v AS SELECT id FROM gold._elt_staging_t`,
		compile.EngineStatement{Model: table}, viewStmt)
	if err == nil || !strings.Contains(err.Error(), "view bi.reader depends on table gold.t") {
		t.Fatalf("a replaced table a reader's view depends on: %v", err)
	}
	run(`DROP VIEW bi.reader`)
	if err := publishNow(`CREATE TABLE gold._elt_staging_t AS SELECT 1 AS id, 'a' AS s, 2 AS extra;
		CREATE VIEW gold._elt_staging_v AS SELECT id FROM gold._elt_staging_t`,
		compile.EngineStatement{Model: table}, viewStmt); err != nil {
		t.Fatal(err)
	}
	if got := one(`SELECT extra::text FROM gold.t`); got != "2" || one(`SELECT count(*)::text FROM gold.v`) != "1" {
		t.Errorf("the replaced table: extra = %s", got)
	}
}
