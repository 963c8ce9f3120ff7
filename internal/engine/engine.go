// Package engine builds a project inside another SQL engine (PostgreSQL;
// Redshift through the same protocol): elt ingests as always into its own
// warehouse (the declared rules, the quarantine, the manifest), then the
// checked records, quarantine and manifest of new or changed files are
// copied to the engine, and the models, translated from DuckDB's syntax
// tree of them (internal/dialect), run there in dependency order under
// staging names, are published by renames, then checked and reconciled —
// all in one transaction of the engine's, so a killed or failed build
// leaves what was published as it was.
package engine

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/engine/target"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Build is one build in an engine.
type Build struct {
	Project *project.Project
	Graph   *plan.Graph
	// IDs are the models to build, in build order.
	IDs []string
	// Duck is elt's own warehouse, holding what ingestion loaded.
	Duck *warehouse.DB
	// RunID is the local run whose ingestion this build publishes.
	RunID  int64
	Args   string
	Events event.Reporter
}

// Summary is what a build in an engine did.
type Summary struct {
	// Files are the bronze files copied to the engine (new or changed),
	// and Dropped those removed from it (gone from the manifest).
	Files, Dropped int
	Models         int
	Checks         []check.Result
	Recon          []check.Reconciliation
}

// DSN is the engine's connection, from ELT_ENGINE_DSN, or an error
// saying to set it.
func DSN(p *project.Project) (string, error) {
	dsn := os.Getenv(target.DSNEnv)
	if dsn == "" {
		return "", fmt.Errorf("target %s builds in %s: set %s to its connection (postgres://user@host:port/db); it is never read from %s",
			p.Config.Target, p.Config.Engine, target.DSNEnv, project.ConfigFile)
	}
	return dsn, nil
}

// refuse names what a project has that elt does not build in an engine
// yet, nil when nothing.
func refuse(p *project.Project) error {
	var why []string
	for _, name := range p.Config.SourceNames() {
		if p.Config.Sources[name].Kafka != nil {
			why = append(why, fmt.Sprintf("source %s reads Kafka (its offsets commit with its rows in elt's own warehouse)", name))
		}
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("target %s builds in %s, which elt cannot do for this project yet: %s; build it in the embedded DuckDB (no engine: in the target)",
		p.Config.Target, p.Config.Engine, strings.Join(why, "; "))
}

// Check refuses, before anything runs, a build in another engine that
// cannot be made: a project with what elt does not build there, a model
// with a construct that has no translation (at its place in the file), or
// no ELT_ENGINE_DSN.
func Check(ctx context.Context, parser *warehouse.DB, p *project.Project, g *plan.Graph, ids []string) error {
	if err := refuse(p); err != nil {
		return err
	}
	if _, err := compile.ForEngine(ctx, parser, p, g, ids, nil); err != nil {
		return err
	}
	if err := compile.EngineChecks(ctx, parser, p, g, ids); err != nil {
		return err
	}
	_, err := DSN(p)
	return err
}

// Run connects to the engine at dsn and builds there: the copy of what
// ingestion loaded, the models, the reconciliation and the run's row in
// elt.runs, in one transaction.
func Run(ctx context.Context, b Build, dsn string) (*Summary, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target.DSNEnv, err)
	}
	// Timestamps read and written as elt reads bronze: in UTC, whatever
	// the server's, database's or role's time zone.
	cfg.RuntimeParams["TimeZone"] = "UTC"
	cfg.RuntimeParams["application_name"] = "elt-build"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the %s engine (%s): %w", b.Project.Config.Engine, target.DSNEnv, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	e := dialect.Engine(b.Project.Config.Engine)
	if err := prepare(ctx, tx, e, b.Graph, b.IDs); err != nil {
		return nil, err
	}
	into, err := b.copier(ctx, tx, e)
	if err != nil {
		return nil, err
	}
	sum := &Summary{}
	if sum.Files, sum.Dropped, err = b.syncBronze(ctx, tx, e, into); err != nil {
		return nil, err
	}
	stmts, err := b.models(ctx, tx, e, into)
	if err != nil {
		return nil, err
	}
	sum.Models = len(b.IDs)
	// Published in the transaction, then audited and reconciled there: a
	// failure rolls it all back.
	if err := publish(ctx, tx, e, stmts); err != nil {
		return sum, err
	}
	if sum.Checks, err = b.audit(ctx, tx, e); err != nil {
		return sum, err
	}
	if sum.Recon, err = b.reconcile(ctx, tx); err != nil {
		return sum, err
	}
	for _, r := range sum.Recon {
		if _, err := tx.Exec(ctx, `INSERT INTO elt.reconciliations VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			b.RunID, r.Source, r.Read, r.Silver, r.Superseded, r.Quarantined, r.Bronze, r.OK()); err != nil {
			return sum, fmt.Errorf("record the reconciliation in the engine: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO elt.runs (run_id, finished_at, args, models, files) VALUES ($1, now(), $2, $3, $4)`,
		b.RunID, b.Args, sum.Models, sum.Files); err != nil {
		return sum, fmt.Errorf("record the run in the engine: %w", err)
	}
	return sum, tx.Commit(ctx)
}

// prepare creates the schemas and elt's tables on the engine, waits for
// any other build there, and drops what a build of an engine without
// transactional DDL may have left under staging names.
func prepare(ctx context.Context, tx pgx.Tx, e dialect.Engine, g *plan.Graph, ids []string) error {
	schemas := map[string]bool{"elt": true, "bronze": true, "silver": true}
	for _, id := range ids {
		schemas[g.Nodes[id].Model.Schema] = true
	}
	for s := range schemas {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+sqlname.Ident(s)); err != nil {
			return fmt.Errorf("create schema %s in the engine: %w", s, err)
		}
	}
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS elt.runs (run_id BIGINT NOT NULL, finished_at TIMESTAMP NOT NULL, args VARCHAR(4096), models INTEGER, files INTEGER)`,
		// As in elt's own warehouse (migrations/0007_reconciliation.up.sql).
		`CREATE TABLE IF NOT EXISTS elt.reconciliations (run_id BIGINT NOT NULL, source VARCHAR(256) NOT NULL, read BIGINT NOT NULL, silver BIGINT NOT NULL,
			superseded BIGINT NOT NULL, quarantined BIGINT NOT NULL, bronze BIGINT NOT NULL, balanced BOOLEAN NOT NULL)`,
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("prepare the engine: %w", err)
		}
	}
	if e == dialect.Postgres {
		// DuckDB orders and compares text by its bytes, and knows the case
		// of every letter; so must the models there, or a row_number() or a
		// min() picks another row, and lower() or ILIKE another answer.
		var bytewise, cases bool
		var collation, ctype string
		if err := tx.QueryRow(ctx, `SELECT 'B' < 'a' AND 'Z' < '_' AND 'z' < 'é', lower('ÄÉ') = 'äé' AND upper('é') = 'É', datcollate, datctype
			FROM pg_database WHERE datname = current_database()`).Scan(&bytewise, &cases, &collation, &ctype); err != nil {
			return fmt.Errorf("read the engine's collation: %w", err)
		}
		if !bytewise || !cases {
			return fmt.Errorf("the engine's database orders text by the collation %q with the character classes of %q, and DuckDB by its bytes, knowing the case of every letter, "+
				"so models ordering, comparing or changing the case of text would give other answers there: build into a database created with "+
				"CREATE DATABASE … TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'", collation, ctype)
		}
	}
	// One build at a time: the second waits here for the first's commit.
	lock := `LOCK TABLE elt.runs IN EXCLUSIVE MODE`
	if e == dialect.Redshift {
		lock = `LOCK elt.runs`
	}
	if _, err := tx.Exec(ctx, lock); err != nil {
		return fmt.Errorf("wait for other builds in the engine: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_name LIKE '\_elt\_staging\_%'`)
	if err != nil {
		return err
	}
	stale, err := pgx.CollectRows(rows, pgx.RowToStructByPos[relation])
	if err != nil {
		return err
	}
	for _, r := range stale {
		if _, err := tx.Exec(ctx, fmt.Sprintf("DROP %s IF EXISTS %s", r.kind(), sqlname.Qualified(r.Schema, r.Name))); err != nil {
			return fmt.Errorf("drop %s.%s, left by a killed build: %w", r.Schema, r.Name, err)
		}
	}
	return nil
}

// relation is a table or view of the engine's catalog.
type relation struct{ Schema, Name, Type string }

// kind is TABLE or VIEW, for DROP.
func (r relation) kind() string {
	if r.Type == "VIEW" {
		return "VIEW"
	}
	return "TABLE"
}
