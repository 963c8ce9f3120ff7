// Package build owns the build (elt build, and each build of elt watch):
// it runs a compiled project in the warehouse, write-audit-publish. What it
// loads or builds whole (a source's first load or full refresh, and the
// table models built from those alone) it first writes under staging names
// in transactions that commit, so DuckDB scans them on every core
// (stage.go). Then, in one last DuckDB transaction, it renames those into
// place, ingests the new bronze files of the other sources, creates the
// macros, loads the seeds, runs the other selected models' compiled
// statements in dependency order (whole or incrementally), audits the
// result (check.Audit: the models' checks, the data tests, the sources'
// quarantine gate) and reconciles record counts (check.Reconcile), so a
// failed, blocked or interrupted build publishes nothing and leaves the
// last published state exactly as it was (the staging tables of a killed
// build are dropped by the next). Only after the commit does it hand the
// built tables to publish for their exports and the changed rows to online
// for the feature store. It also checks, before it starts, the bronze
// folder, the seeds and the manifest against bronze for lost state
// (build/inputs).
package build

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/build/inputs"
	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Options choose what a build does.
type Options struct {
	Select, Exclude []string
	FullRefresh     bool
	// AcceptMissing lets a full refresh drop the records of ingested files
	// that are gone from bronze.
	AcceptMissing bool
	// Args is the command line, kept in the run history.
	Args string
	// Version is elt's version, kept in the run history.
	Version string
	// Hold are bronze files (absolute paths) not to read in this build:
	// still being written, as watch mode sees them.
	Hold map[string]bool
	// ResetOffsets (earliest or latest) restarts there a Kafka source's
	// partitions whose stored offsets no longer exist; "" stops the build
	// on them.
	ResetOffsets string
	// Streams are open readers of Kafka sources' topics, kept across
	// builds by elt watch (a build opens and closes its own without).
	Streams Streams
	// IngestOnly loads every source and builds no model: the first half
	// of a build in another engine (internal/engine), which builds the
	// models there from what this loaded.
	IngestOnly bool
}

// Streams are open readers of Kafka sources' topics (topic.Readers).
type Streams = inputs.Streams

// Summary is what a build did.
type Summary struct {
	RunID  int64
	Ingest []ingest.Result
	Models []state.ModelRun
	Checks []check.Result
	Recon  []check.Reconciliation
	// Warnings are what went wrong after the commit without failing the
	// build (the feature store not reached).
	Warnings []string
	Elapsed  time.Duration
	// recorded is set once the build's transaction committed with the
	// run's history in it.
	recorded bool
	// unchanged are the exported models whose rows the build left as they
	// were (incremental.unchanged).
	unchanged map[string]string
}

// ChecksFailed stops a build whose blocking checks failed.
type ChecksFailed = check.ChecksFailed

// Builder runs builds against one open warehouse. pipeline.OpenBuilder
// makes one with all it is given to do (Check, Export, Serve); a
// Builder without them builds and commits, and does only that.
type Builder struct {
	Project *project.Project
	DB      *warehouse.DB
	// Events is told what the build does, step by step (nil drops them).
	Events event.Reporter
	Trace  io.Writer // step timings, when set
	// Live, when set (a terminal shows the running step), is told when a
	// step starts (ingesting a source, building a model), with how to read
	// its percentage done (-1 when unknown): for a model, DuckDB's estimate
	// for the statement running now; for ingestion, the share of the bytes
	// to read taken so far (DuckDB cannot size Go's records). It returns
	// what to call with the rows done so far and what to call when the step
	// ends, before its event is reported.
	Live func(step string, percent func() float64) (rows func(int64), done func())

	// What the build is given to do by the packages above it (pipeline
	// sets them all): each is skipped when nil.

	// Check checks the selected models before anything runs
	// (describe.CheckHeaders: each header's names against the columns the
	// model's SQL returns).
	Check func(ctx context.Context, p *project.Project, g *plan.Graph, ids []string) error
	// Export writes the exports of the built models once the build is
	// committed (publish.Exporter.Exports), reporting each to rep; its error fails
	// the build, though the warehouse is published.
	// version names this run (state.Runs.Version); unchanged are the
	// models whose rows the build left as they were, by lower-case ID,
	// with the version of the run that made them.
	Export func(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string, runID int64, version string, unchanged map[string]string, rep event.Reporter) error
	// Serve writes the changed rows of the built models to the feature
	// store after the exports (publish.Serve); what went wrong is reported
	// to rep and returned as warnings, without failing the build.
	Serve func(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string, runID int64, rep event.Reporter) (warnings []string)
	// Engine builds the models in the engine the target names (engine:
	// postgres or redshift; publish.InEngine): this build then only
	// ingests, and commits, before Engine.Build runs.
	Engine Engine
}

// Engine is the build of the models in another engine.
type Engine struct {
	// Check translates the selected models for the engine before
	// anything runs: a construct with no translation stops the build.
	Check func(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string) error
	// Build copies what ingestion committed to the engine and builds the
	// selected models there, publishing them all or none; it returns how
	// many it built.
	Build func(ctx context.Context, db *warehouse.DB, p *project.Project, g *plan.Graph, ids []string, runID int64, args string, rep event.Reporter) (int, error)
}

// report tells Events what happened.
func (b *Builder) report(e event.Event) { event.Or(b.Events).Report(e) }

// live tells Live a step started; the returned func ends it.
func (b *Builder) live(step string, percent func() float64) (rows func(int64), done func()) {
	if b.Live == nil {
		return func(int64) {}, func() {}
	}
	return b.Live(step, percent)
}

// ErrCancelled is returned when the context ends a build.
var ErrCancelled = errors.New("build cancelled: nothing was published")

// Run builds the selected models. On any error, or a blocking check, the
// transaction is rolled back: bronze, silver, gold, the quarantine and the
// manifest stay as they were. The run, its models and its checks are
// recorded either way.
func (b *Builder) Run(ctx context.Context, o Options) (*Summary, error) {
	start := time.Now()
	if err := inputs.CheckReset(o.ResetOffsets); err != nil {
		return nil, &project.UsageError{Msg: err.Error()}
	}
	g, err := compile.Plan(ctx, b.DB, b.Project)
	if err != nil {
		return nil, err
	}
	ids, err := g.Select(o.Select, o.Exclude)
	if err != nil {
		return nil, err
	}
	engineIDs, inEngine := ids, b.Project.Config.Engine != ""
	if inEngine {
		if b.Engine.Build == nil {
			return nil, fmt.Errorf("target %s builds in %s, which this build cannot reach", b.Project.Config.Target, b.Project.Config.Engine)
		}
		o.IngestOnly = true
	}
	if o.IngestOnly {
		ids = nil
	}
	// What is checked before anything runs, and the files to read.
	sources := ingest.Declared(b.Project.Config, b.Project.Resolve(b.Project.Config.Paths.Bronze))
	var listings ingest.Listings
	err = func() error {
		if b.Check != nil {
			if err := b.Check(ctx, b.Project, g, ids); err != nil {
				return err
			}
		}
		if inEngine && b.Engine.Check != nil {
			if err := b.Engine.Check(ctx, b.DB, b.Project, g, engineIDs); err != nil {
				return err
			}
		}
		if err := inputs.CheckSeeds(ctx, b.DB, b.Project, g, ids, o.FullRefresh); err != nil {
			return err
		}
		if bronze := b.Project.Resolve(b.Project.Config.Paths.Bronze); len(sources) > 0 && !project.IsURL(bronze) {
			if err := checkBronze(bronze); err != nil {
				return err
			}
		}
		listings, err = ingest.List(ctx, sources, readSources(g, ids, o), o.Hold)
		return err
	}()
	runs := state.Runs{DB: b.DB}
	if ctx.Err() != nil {
		// Cancelled before the run began: nothing ran, and the history
		// says so as it does for a build cancelled later.
		hctx := context.WithoutCancel(ctx)
		if id, err := runs.Start(hctx, "build", o.Args, o.Version); err == nil {
			runs.Finish(hctx, id, state.Cancelled, ErrCancelled)
		}
		return nil, ErrCancelled
	}
	if err != nil {
		return nil, err
	}
	runID, err := runs.Start(ctx, "build", o.Args, o.Version)
	if err != nil {
		return nil, fmt.Errorf("record the run: %w", err)
	}
	sum := &Summary{RunID: runID}
	started := event.BuildStarted{RunID: runID}
	for _, id := range ids {
		started.Models = append(started.Models, g.Nodes[id].Model.ID())
	}
	for _, src := range sources {
		if _, ok := listings[src.Name]; ok || (src.Kafka != nil && readSources(g, ids, o)["bronze."+strings.ToLower(src.Name)]) {
			started.Sources = append(started.Sources, src.Name)
		}
	}
	b.report(started)
	berr := b.run(ctx, g, ids, sources, listings, o, sum)
	engineModels := 0 // built in the engine
	status := state.Succeeded
	switch {
	case berr != nil && ctx.Err() != nil:
		status, berr = state.Cancelled, ErrCancelled
	case berr != nil:
		status = state.Failed
	case inEngine:
		// Ingested and committed here: now the models, in the engine.
		if engineModels, berr = b.Engine.Build(ctx, b.DB, b.Project, g, engineIDs, sum.RunID, o.Args, event.Or(b.Events)); berr != nil {
			status = state.Failed
			if ctx.Err() != nil {
				status, berr = state.Cancelled, ErrCancelled
			}
		} else {
			b.report(event.Published{RunID: sum.RunID})
			for _, id := range engineIDs {
				if m := g.Nodes[id].Model; m.Header.Export != nil || m.Header.Online != nil {
					b.report(event.Warning{Kind: "engine_exports", Text: fmt.Sprintf("%s: its export: and online: sections are written from the embedded warehouse only, "+
						"and target %s builds in %s: export it from there (UNLOAD, COPY TO)", m.ID(), b.Project.Config.Target, b.Project.Config.Engine)})
				}
			}
		}
	default:
		// Published: now the exports, each swapped in whole.
		b.report(event.Published{RunID: sum.RunID})
		if b.Export != nil {
			var version string
			if version, berr = (state.Runs{DB: b.DB}).Version(ctx, sum.RunID); berr == nil {
				berr = b.Export(ctx, b.DB, b.Project, g, ids, sum.RunID, version, sum.unchanged, event.Or(b.Events))
			}
		}
		if berr == nil && b.Serve != nil {
			sum.Warnings = append(sum.Warnings, b.Serve(ctx, b.DB, b.Project, g, ids, sum.RunID, event.Or(b.Events))...)
		}
		if berr != nil {
			status = state.Failed
			if ctx.Err() != nil {
				status = state.Cancelled
			}
		}
	}
	sum.Elapsed = time.Since(start)
	// The history is written outside the build's transaction, so a failed
	// build is recorded too; a cancelled one gets a fresh context.
	// A build that committed recorded its models, checks and
	// reconciliation in its transaction.
	hctx := context.WithoutCancel(ctx)
	if !sum.recorded {
		if err := runs.RecordModels(hctx, runID, sum.Models); err != nil && berr == nil {
			berr = err
		}
		if err := runs.RecordChecks(hctx, runID, check.Records(sum.Checks)); err != nil && berr == nil {
			berr = err
		}
		if err := runs.RecordReconciliation(hctx, runID, check.Balances(sum.Recon)); err != nil && berr == nil {
			berr = err
		}
	}
	if err := runs.Finish(hctx, runID, status, berr); err != nil && berr == nil {
		berr = err
	}
	if len(sum.Recon) > 0 {
		b.report(event.Reconciliation{Sources: check.BalanceEvents(sum.Recon)})
	}
	if berr == nil {
		b.report(event.BuildFinished{RunID: sum.RunID, Models: len(sum.Models) + engineModels, Seconds: sum.Elapsed.Seconds()})
	}
	return sum, berr
}

func (b *Builder) run(ctx context.Context, g *plan.Graph, ids []string, sources []ingest.Source, listings ingest.Listings, o Options, sum *Summary) (err error) {
	conn, err := b.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// DuckDB's estimate for the statement running on the build's
	// connection, read only when a terminal shows it.
	if b.Live == nil {
		return b.runOn(ctx, conn, func() float64 { return -1 }, g, ids, sources, listings, o, sum)
	}
	return warehouse.WithProgress(ctx, conn, func(statement func() float64) error {
		return b.runOn(ctx, conn, statement, g, ids, sources, listings, o, sum)
	})
}

// runOn is the build on conn; statement is DuckDB's estimate for the
// statement running on it. What it loads or builds whole it stages first
// (stage.go); its last transaction publishes that, does the rest, and
// audits and reconciles all of it.
func (b *Builder) runOn(ctx context.Context, conn *sql.Conn, statement func() float64, g *plan.Graph, ids []string, sources []ingest.Source, listings ingest.Listings, o Options, sum *Summary) (err error) {
	defer func() {
		// Ingestion turns insertion order off for a moment; one that failed
		// then leaves it so (no rollback undoes a setting).
		warehouse.KeepInsertionOrder(context.WithoutCancel(ctx), conn, true)
	}()
	readers := readSources(g, ids, o)
	if !o.FullRefresh {
		if err := inputs.CheckManifests(ctx, conn, sources, func(src ingest.Source) bool { return readers["bronze."+strings.ToLower(src.Name)] }); err != nil {
			return err
		}
	}
	// What a killed build staged goes first.
	if err := dropStaging(ctx, conn); err != nil {
		return err
	}
	inc, err := loadIncremental(ctx, conn, sum.RunID, o.FullRefresh)
	if err != nil {
		return err
	}
	sum.unchanged = inc.unchanged
	st, err := b.planStaging(ctx, conn, g, ids, sources, o, inc)
	if err != nil {
		return err
	}
	done, err := b.stage(ctx, conn, statement, g, ids, st, listings, o, sum, inc)
	if err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
			dropStaging(context.WithoutCancel(ctx), conn)
		}
	}()
	// The project's macros first: a macro of an older build that no file
	// declares any more is dropped before the tool's own SQL runs.
	if err := plan.CreateMacros(ctx, tx, b.Project.Macros, true); err != nil {
		return err
	}
	if err := b.publish(ctx, tx, g, st, inc); err != nil {
		return err
	}
	ingested := map[string]bool{}
	for _, src := range st.sources {
		ingested[src.Name] = true
	}
	for _, src := range sources {
		if !readers["bronze."+strings.ToLower(src.Name)] {
			// Not loaded, and said: its files wait for a model that reads it.
			b.report(event.SourceSkipped{Source: src.Name, Selection: len(o.Select) > 0 || len(o.Exclude) > 0})
			continue
		}
		if ingested[src.Name] {
			continue // staged
		}
		var previous state.Manifest
		if o.FullRefresh && src.Kafka != nil {
			// Messages the topic no longer keeps would be lost.
			if err := inputs.RefreshTopic(ctx, tx, src, o.Streams, o.AcceptMissing); err != nil {
				return err
			}
		} else if o.FullRefresh {
			if previous, err = inputs.Refreshable(ctx, tx, src, listings, o.AcceptMissing); err != nil {
				return err
			}
			if err := inputs.Reset(ctx, tx, src); err != nil {
				return err
			}
		}
		if err := b.load(ctx, conn, tx, src, listings, o, sum, previous); err != nil {
			return err
		}
		ingested[src.Name] = true
	}
	freeIngestion()
	var rest []string
	for _, id := range ids {
		if !st.ids[id] {
			rest = append(rest, id)
		}
	}
	if _, err := b.models(g, rest, nil, done, len(ids), sum, statement, func(n *plan.Node) (int64, string, error) {
		return b.runModel(ctx, tx, g, n, inc)
	}); err != nil {
		return err
	}
	// Audit before publishing: every check runs against the new tables
	// inside this transaction; a blocking failure rolls it all back.
	t0 := time.Now()
	audited := b.Project
	if o.IngestOnly {
		// The data tests read models, which the engine audits.
		p := *b.Project
		p.DataTests, audited = nil, &p
	}
	if sum.Checks, err = check.Audit(ctx, tx, audited, g, ids, gates(sources, sum), inc.since); err != nil {
		return err
	}
	check.Report(event.Or(b.Events), sum.Checks)
	if n := check.Blocking(sum.Checks); n > 0 {
		return &ChecksFailed{Failed: n}
	}
	b.trace(t0, "audit: %d checks", len(sum.Checks))
	if !o.IngestOnly { // else reconciled where the models are built
		t0 = time.Now()
		recon, err := check.Reconcile(ctx, tx, event.Or(b.Events), sources, ingested, g, ids)
		b.trace(t0, "reconcile")
		sum.Recon = recon
		if err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The run's history goes in with its data: a kill after the commit
	// leaves it saying the data was published.
	if err := (state.Runs{DB: tx}).Commit(ctx, sum.RunID, sum.Models, check.Records(sum.Checks), check.Balances(sum.Recon)); err != nil {
		return fmt.Errorf("record the run: %w", err)
	}
	t0 = time.Now()
	defer func() { b.trace(t0, "commit") }()
	if err := tx.Commit(); err != nil {
		return err
	}
	sum.recorded = true
	return nil
}

// freeIngestion gives what ingestion read, garbage once it is loaded, back
// to the system before DuckDB's heaviest statements, rather than when Go's
// scavenger gets to it (10M events under memory_limit 1GB, three pairs:
// peak RSS 1.21-1.23 GiB against 1.29-1.33 GiB; Go held 113-145 MiB).
func freeIngestion() { debug.FreeOSMemory() }

// load loads a source in tx, a transaction of conn's (inputs.Load), and
// adds what it did to sum.
func (b *Builder) load(ctx context.Context, conn *sql.Conn, tx warehouse.Querier, src ingest.Source, listings ingest.Listings, o Options, sum *Summary, previous state.Manifest) error {
	res, err := inputs.Load(ctx, tx, src, listings, previous, inputs.Build{RunID: sum.RunID, Project: b.Project, Trace: b.Trace, Conn: conn,
		FullRefresh: o.FullRefresh, ResetOffsets: o.ResetOffsets, Streams: o.Streams, Live: b.live, Events: b.Events})
	if err == nil {
		sum.Ingest = append(sum.Ingest, res)
	}
	return err
}

// models builds the models of list in order with build, reporting each; the
// first is number done+1 of count. When one fails, the rest and later are
// reported skipped and its error returned. It returns how many are done.
func (b *Builder) models(g *plan.Graph, list, later []string, done, count int, sum *Summary, statement func() float64, build func(*plan.Node) (int64, string, error)) (int, error) {
	for i, id := range list {
		n := g.Nodes[id]
		mr := state.ModelRun{Model: n.Model.ID(), Materialized: string(n.Model.Header.Materialized), Started: time.Now(), Status: state.ModelBuilt}
		_, finished := b.live(fmt.Sprintf("%3d/%d  %s", done+i+1, count, n.Model.ID()), statement)
		rows, mode, err := build(n)
		finished()
		mr.Materialized = mode
		mr.Seconds = time.Since(mr.Started).Seconds()
		mr.Rows = rows
		if err != nil {
			mr.Status, mr.Error = state.ModelFailed, err.Error()
			sum.Models = append(sum.Models, mr)
			skipped := []string{}
			for _, rest := range append(list[i+1:len(list):len(list)], later...) {
				m := g.Nodes[rest].Model
				skipped = append(skipped, m.ID())
				sum.Models = append(sum.Models, state.ModelRun{Model: m.ID(), Materialized: string(m.Header.Materialized), Status: state.ModelSkipped, Started: time.Now()})
			}
			b.report(event.ModelDone{Index: done + i + 1, Count: count, Model: mr.Model, Mode: mr.Materialized, Status: event.ModelFailed,
				Seconds: mr.Seconds, Error: err.Error()})
			b.report(event.ModelsSkipped{Failed: mr.Model, Models: skipped})
			return done + i, err
		}
		sum.Models = append(sum.Models, mr)
		b.report(event.ModelDone{Index: done + i + 1, Count: count, Model: mr.Model, Mode: mr.Materialized, Status: event.ModelBuilt,
			Rows: mr.Rows, Seconds: mr.Seconds})
	}
	return done + len(list), nil
}

// readSources marks the sources read by the selected models, or every
// source when o.IngestOnly.
func readSources(g *plan.Graph, ids []string, o Options) map[string]bool {
	out := map[string]bool{}
	if o.IngestOnly {
		for id := range g.External {
			if strings.HasPrefix(id, "bronze.") {
				out[id] = true
			}
		}
	}
	for _, id := range ids {
		for _, r := range g.Nodes[id].Refs {
			out[r.ID] = true
		}
	}
	return out
}

// runModel builds one model and reports a SQL error at the model's own
// path:line:col. It returns the rows and how the model was built (view,
// table, full or incremental).
func (b *Builder) runModel(ctx context.Context, tx warehouse.Querier, g *plan.Graph, n *plan.Node, inc *incremental) (int64, string, error) {
	m := n.Model
	kind, err := relationKind(ctx, tx, m)
	if err != nil {
		return 0, "", err
	}
	if err := dropOtherKind(ctx, tx, m, kind); err != nil {
		return 0, "", err
	}
	mode := string(m.Header.Materialized)
	stmts := compile.Statements(m)
	// dups are the queries, by statement, that list keys of the rows just
	// computed that more than one row has: an incremental model keeps one
	// row per unique_key, so such a build fails before its merge.
	// A whole build of a model whose header checks its key unique and not
	// null (blocking) is left to those checks, which the audit runs in the
	// same scan as the model's other checks (a second pass costs about a
	// second at 2M rows).
	// when are the queries, by statement, that say whether it runs
	// (compile.Step.When).
	dups, when := map[int]string{}, map[int]string{}
	if m.Header.Materialized == project.Incremental && !check.KeyChecked(m) {
		dups[len(stmts)-1] = compile.DuplicateKeys(m, sqlname.Qualified(m.Schema, m.Name), "", 6)
	}
	mapped := true
	var seedPrint string
	if m.Seed != "" {
		var unchanged bool
		if seedPrint, unchanged, err = b.seedState(ctx, m, inc, kind != ""); err != nil {
			return 0, "", err
		}
		if unchanged {
			mode, stmts, mapped = seedUnchanged, []string{compile.EmptyChanges(m)}, false
		}
	}
	if m.Header.Materialized == project.Incremental {
		if mode, err = inc.plan(g, n, kind != ""); err != nil {
			return 0, "", err
		}
		if mode == builtIncremental {
			steps, err := compile.IncrementalSteps(g, n, inc.before[n.ID()].LastRun)
			if err != nil {
				return 0, "", err
			}
			stmts, dups, mapped = nil, map[int]string{}, false
			for i, st := range steps {
				stmts = append(stmts, st.SQL)
				if st.Duplicates != "" {
					dups[i] = st.Duplicates
				}
				if st.When != "" {
					when[i] = st.When
				}
			}
		}
	}
	var place func(error) error // the last statement holds the model's body on its file's lines
	if mapped {
		place = func(err error) error { return compile.SQLError(m.Path, m.Text, compile.BodyOffset(m), err) }
	}
	if err := b.exec(ctx, tx, m, mode, stmts, place, dups, when); err != nil {
		return 0, mode, err
	}
	if err := b.finishModel(ctx, tx, m, mode, seedPrint, inc); err != nil {
		return 0, mode, err
	}
	if err := inc.keep(ctx, tx, m, mode); err != nil {
		return 0, mode, err
	}
	if mode == string(project.View) {
		return 0, mode, nil
	}
	var rows int64
	err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+sqlname.Qualified(m.Schema, m.Name).String()).Scan(&rows)
	return rows, mode, err
}

// exec runs a model's statements; place, when set, places an error of the
// last statement in the model's file; dups are the queries, by statement,
// that list keys shared by more than one of the rows it computed (an
// error, see duplicateKeys), run after it; when are the queries, by
// statement, whose false answer passes it over (compile.Step.When).
func (b *Builder) exec(ctx context.Context, tx warehouse.Querier, m *project.Model, mode string, stmts []string, place func(error) error, dups, when map[int]string) error {
	for i, s := range stmts {
		t0 := time.Now()
		run, err := compile.Step{When: when[i]}.Runs(ctx, tx)
		if run && err == nil {
			_, err = tx.ExecContext(ctx, s)
			b.trace(t0, "%s: %.60s", m.ID(), strings.Join(strings.Fields(s), " "))
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if place != nil && i == len(stmts)-1 {
				return place(err)
			}
			fe := &diag.FileError{Path: m.Path, Msg: fmt.Sprintf("%s build failed: %v", mode, err)}
			if mode == builtIncremental {
				fe.Hint = "if the model's columns or key changed, rebuild it whole with elt build --full-refresh"
			}
			return fe
		}
		if q := dups[i]; q != "" {
			what := "the model's rows"
			if mode == builtIncremental {
				what = "the rows this increment computed"
			}
			if err := check.DuplicateKeys(ctx, tx, m, what, "the build stopped there, nothing was published", q); err != nil {
				return err
			}
		}
	}
	return nil
}

// finishModel writes what goes with a model's table once it is in place:
// its descriptions, its incremental state (for a seed, seedPrint is its
// fingerprint), and the keys the feature store and its export are to take.
func (b *Builder) finishModel(ctx context.Context, tx warehouse.Querier, m *project.Model, mode, seedPrint string, inc *incremental) error {
	for _, c := range compile.Comments(m) {
		if _, err := tx.ExecContext(ctx, c.SQL); err != nil {
			if c.Column != "" {
				return headerAt(m, "name: "+c.Column, "the header describes column %s, which the model does not return; fix the name or remove the entry (%v)", c.Column, strings.SplitN(warehouse.AsQueryError(err).Msg, "\n", 2)[0])
			}
			return fmt.Errorf("%s: write its description: %w", m.Path, err)
		}
	}
	switch {
	case m.Header.Materialized == project.Incremental:
		if err := inc.record(ctx, tx, m, mode); err != nil {
			return err
		}
	case seedPrint == "":
		if err := state.ForgetModelState(ctx, tx, m.ID()); err != nil {
			return err
		}
	}
	if seedPrint != "" {
		how := builtWhole
		if mode == seedUnchanged {
			how = builtIncremental // in step, with an empty change set
		}
		if err := inc.recordAs(ctx, tx, m, how, seedPrint); err != nil {
			return err
		}
	}
	if m.Header.Online != nil {
		var changes sqlname.Relation
		if mode == builtIncremental {
			changes = compile.ChangesTable(m)
		}
		if err := state.MarkChanged(ctx, tx, m.ID(), sqlname.Qualified(m.Schema, m.Name), m.Header.UniqueKey, changes); err != nil {
			return err
		}
	}
	switch e := m.Header.Export; {
	case mode == seedUnchanged: // its rows as they were
	case e == nil || len(e.Formats) == 0: // its changes unrecorded: an export added back is written whole
		if err := state.ForgetExport(ctx, tx, m.ID()); err != nil {
			return err
		}
	default:
		// What its export is to take (publish.Patch): the changed keys, or
		// every row when rebuilt whole or when it takes no keys (no CSV
		// file, or on S3, is ever patched).
		var changes sqlname.Relation
		if mode == builtIncremental && slices.Contains(e.Formats, "csv") && !project.IsURL(b.Project.Config.Paths.Output) {
			changes = compile.ChangesTable(m)
		}
		if err := state.MarkExportChanged(ctx, tx, m.ID(), inc.runID, m.Header.UniqueKey, changes); err != nil {
			return err
		}
	}
	return nil
}

// relationKind is the type of the model's relation in the warehouse
// (BASE TABLE or VIEW), "" when there is none.
func relationKind(ctx context.Context, tx warehouse.Querier, m *project.Model) (string, error) {
	var kind string
	err := tx.QueryRowContext(ctx, `SELECT table_type FROM information_schema.tables WHERE lower(table_schema) = lower(?) AND lower(table_name) = lower(?)`, m.Schema, m.Name).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return kind, err
}

// dropOtherKind drops a view that should now be a table, or the reverse.
func dropOtherKind(ctx context.Context, tx warehouse.Querier, m *project.Model, kind string) error {
	if kind == "" {
		return nil
	}
	isView := kind == "VIEW"
	if isView == (m.Header.Materialized == project.View) {
		return nil
	}
	what := "TABLE"
	if isView {
		what = "VIEW"
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf("DROP %s %s CASCADE", what, sqlname.Qualified(m.Schema, m.Name)))
	return err
}

// trace prints how long a step took, when the builder traces.
func (b *Builder) trace(start time.Time, format string, args ...any) {
	if b.Trace != nil {
		fmt.Fprintf(b.Trace, "trace: %6.2fs  %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
}
