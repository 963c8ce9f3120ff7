package docs

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/lineage"
	"github.com/digitalservices/elt/internal/plan"
	"github.com/digitalservices/elt/internal/profile"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Gather gathers what the docs site shows: the project's sources and models
// with their column lineage (parser only) and, when db is a built
// warehouse (it may be nil), row counts, column profiles, the checks' last
// results, the run history and the reconciliation. tests lists each model's
// unit tests by model ID.
func Gather(ctx context.Context, parser *warehouse.DB, db *warehouse.DB, p *project.Project, g *plan.Graph, tests map[string][]string) (*Site, error) {
	site := &Site{Project: filepath.Base(p.Dir), Generated: time.Now().UTC().Format("2006-01-02 15:04 UTC"), Warehouse: db != nil}
	known := map[string][]string{} // table → its columns, from the warehouse or lineage
	bronze := p.Resolve(p.Config.Paths.Bronze)
	for _, src := range ingest.Declared(p.Config, bronze) {
		decl := p.Config.Sources[src.Name]
		s := Source{Name: src.Name, Format: string(decl.Format), Description: decl.Description, Table: "bronze." + strings.ToLower(src.Name)}
		var cols []string
		for _, f := range decl.Fields {
			s.Fields = append(s.Fields, Field{Name: f.Name, Type: string(f.Type), Required: f.Required, Rules: f.Rules()})
			cols = append(cols, f.Name)
		}
		if len(cols) > 0 {
			known[s.Table] = append(cols, ingest.BronzeColumns...)
		}
		if src.Kafka != nil {
			for _, c := range ingest.KafkaColumns {
				known[s.Table] = append(known[s.Table], c[0])
			}
		}
		if db != nil {
			t, err := state.Count(ctx, db, src.Name)
			if err != nil {
				return nil, err
			}
			s.Records, s.Quarantined = t.Read, t.Quarantined
			if s.Files, err = state.FileCount(ctx, db, src.Name); err != nil {
				return nil, err
			}
			reasons, err := state.QuarantineReasons(ctx, db, src.Name)
			if err != nil {
				return nil, err
			}
			for r, n := range reasons {
				s.Reasons = append(s.Reasons, Reason{Reason: r, Count: n})
			}
			sort.Slice(s.Reasons, func(i, j int) bool { return s.Reasons[i].Count > s.Reasons[j].Count })
		}
		site.Sources = append(site.Sources, s)
	}
	var latest map[string][]state.CheckOutcome
	catalog := map[string][]profile.Column{}
	if db != nil {
		var err error
		if catalog, err = profile.Catalog(ctx, db); err != nil {
			return nil, err
		}
		if latest, err = state.LatestChecks(ctx, db); err != nil {
			return nil, err
		}
		runs, err := state.RecentRuns(ctx, db, 20)
		if err != nil {
			return nil, err
		}
		recs, err := state.Reconciliations(ctx, db)
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			run := Run{ID: r.ID, Command: r.Command, Status: r.Status, Started: r.StartedAt.Format("2006-01-02 15:04:05"),
				Seconds: r.Seconds, Models: r.Models, Checks: r.Checks, Failed: r.Failed, Error: r.Error}
			for _, b := range recs[r.ID] {
				run.Reconciliation = append(run.Reconciliation, Reconciliation{Source: b.Source, Read: b.Read, Silver: b.Silver,
					Superseded: b.Superseded, Quarantined: b.Quarantined, OK: b.Balanced})
			}
			site.Runs = append(site.Runs, run)
		}
	}
	aggregates, err := parser.AggregateNames(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range g.Order {
		n := g.Nodes[id]
		m, err := docModel(ctx, p.Dir, parser, db, catalog, aggregates, n, known, latest[n.Model.ID()], tests[n.Model.ID()])
		if err != nil {
			return nil, err
		}
		site.Models = append(site.Models, m)
	}
	return site, nil
}

// docModel gathers one model; its output columns join known for the
// models downstream.
func docModel(ctx context.Context, dir string, parser, db *warehouse.DB, built map[string][]profile.Column, aggregates map[string]bool, n *plan.Node, known map[string][]string, results []state.CheckOutcome, tests []string) (Model, error) {
	m := n.Model
	out := Model{ID: m.ID(), Path: m.Path, Description: strings.TrimSpace(m.Header.Description), Materialized: string(m.Header.Materialized),
		Tags: m.Header.Tags, Deps: n.Inputs(), SQL: m.Text, Compiled: strings.Join(compile.Statements(m), ";\n") + ";", Tests: tests}
	cols := built[strings.ToLower(m.ID())]
	var prof profile.Table
	if len(cols) > 0 && m.Header.Materialized != project.View {
		var err error
		if prof, err = profile.ProfileColumns(ctx, db, m.Schema, m.Name, cols, profile.Options{Approximate: true}); err != nil {
			return out, err
		}
		out.Rows = &prof.Rows
	}
	columns := func(table string) []string {
		if cs, ok := known[table]; ok {
			return cs
		}
		var names []string
		for _, c := range built[table] {
			names = append(names, c.Name)
		}
		return names
	}
	var lin lineage.Model
	tree, err := parser.SerializeSQL(ctx, m.Body)
	if err == nil {
		lin, err = lineage.Analyze(tree, m.Schema, lineage.Catalog{Columns: columns, Aggregates: aggregates})
	}
	if err != nil {
		out.LineageError = err.Error()
	}
	for _, u := range lin.Uses {
		out.Uses = append(out.Uses, Use{Table: u.Table, Column: u.Column, Roles: u.Roles})
	}
	// The columns: as built when the warehouse has the model, else as the
	// lineage names them; lineage joins by name, else by position.
	names := make([]string, 0, len(cols))
	for _, c := range cols {
		names = append(names, c.Name)
	}
	if len(names) == 0 && m.Seed != "" {
		names = seedColumns(filepath.Join(dir, filepath.FromSlash(m.Seed)))
	}
	if len(names) == 0 {
		for _, c := range lin.Columns {
			names = append(names, c.Name)
		}
	}
	if slices.Contains(names, "*") {
		names = nil // read from something whose columns are not known
	}
	known[strings.ToLower(m.ID())] = names
	desc := map[string]string{}
	for _, c := range m.Header.Columns {
		desc[strings.ToLower(c.Name)] = strings.TrimSpace(c.Description)
	}
	for i, name := range names {
		c := Column{Name: name, Description: desc[strings.ToLower(name)]}
		if i < len(cols) {
			c.Type = cols[i].Type
		}
		if i < len(prof.Columns) {
			pc := prof.Columns[i]
			pct := 100 * prof.NullShare(pc)
			c.NullPct, c.Distinct = &pct, &pc.Distinct
			for _, v := range pc.Values {
				c.Values = append(c.Values, v.Text)
			}
		}
		var from []lineage.Source
		for _, lc := range lin.Columns {
			if strings.EqualFold(lc.Name, name) {
				from = lc.From
			}
		}
		if from == nil && len(lin.Columns) == len(names) {
			from = lin.Columns[i].From
		}
		if m.Seed != "" { // a seed's columns come from its file
			from = []lineage.Source{{Table: m.Seed, Column: name, Via: lineage.Direct}}
		}
		for _, f := range from {
			c.From = append(c.From, Lineage{Table: f.Table, Column: f.Column, Via: string(f.Via)})
		}
		out.Columns = append(out.Columns, c)
	}
	byLabel := map[string]state.CheckOutcome{}
	for _, r := range results {
		byLabel[r.Name] = r
	}
	for _, c := range m.Checks() {
		dc := Check{Name: c.Label(), Severity: string(c.Severity), Status: "not run"}
		if r, ok := byLabel[c.Label()]; ok {
			dc.Status, dc.Detail = r.Status, r.Detail
			if dc.Detail == "" && r.Failing.Valid && r.Total.Valid {
				dc.Detail = fmt.Sprintf("%d of %d rows failing (run %d)", r.Failing.Int64, r.Total.Int64, r.RunID)
			}
		}
		out.Checks = append(out.Checks, dc)
	}
	return out, nil
}

// seedColumns reads a seed file's header (its first CSV record), for a
// project not built yet; nil when it cannot.
func seedColumns(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	header, err := csv.NewReader(f).Read()
	if err != nil {
		return nil
	}
	return header
}
