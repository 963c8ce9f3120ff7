package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// openDocs writes the project's docs site and opens it in a real headless
// Chromium from file://.
func openDocs(t *testing.T, proj string) *testutil.Browser {
	t.Helper()
	out := filepath.Join(t.TempDir(), "site")
	mustElt(t, "--project", proj, "docs", "--out", out)
	b := testutil.StartBrowser(t)
	if err := chromedp.Do(b.Ctx, chromedp.Navigate("file://"+filepath.Join(out, "index.html"))); err != nil {
		t.Fatalf("open the site: %v", err)
	}
	if err := b.Wait(`document.querySelector("#list li")`); err != nil {
		t.Fatalf("open the site: %v", err)
	}
	return b
}

func eval[T any](t *testing.T, b *testutil.Browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func TestDocsSiteInBrowser(t *testing.T) {
	proj := pipelineProject(t)
	b := openDocs(t, proj)
	_, g, err := compile.Load(context.Background(), proj, project.Overrides{})
	if err != nil {
		t.Fatal(err)
	}

	// Every model and source is named in the side list.
	named := eval[[]string](t, b, `Array.from(document.querySelectorAll("#list a[data-id]")).map(a => a.dataset.kind + " " + a.dataset.id)`)
	want := []string{"source events", "source transactions", "source users"}
	var edges []string
	for _, id := range g.Order {
		want = append(want, "model "+g.Nodes[id].Model.ID())
		for _, in := range g.Nodes[id].Inputs() {
			edges = append(edges, in+" -> "+id)
		}
	}
	sort.Strings(named)
	sort.Strings(want)
	if !slices.Equal(named, want) {
		t.Errorf("the list names %v\nwant %v", named, want)
	}

	// The overview: the last build's reconciliation, kept with its run.
	overview := eval[string](t, b, `document.querySelector("main").innerText`)
	if !strings.Contains(overview, "Every record accounted for (run 1)") || !strings.Contains(overview, "events: 1,500 read = 1,500 silver + 0 superseded + 0 quarantined") {
		t.Errorf("the overview:\n%s", overview)
	}

	// The lineage graph draws every edge, and nothing else.
	if err := b.Click(`#list a[href="#graph"]`); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(`document.querySelector("svg.graph")`); err != nil {
		t.Fatal(err)
	}
	drawn := eval[[]string](t, b, `Array.from(document.querySelectorAll("svg.graph path[data-from]")).map(p => p.dataset.from + " -> " + p.dataset.to)`)
	sort.Strings(drawn)
	sort.Strings(edges)
	if !slices.Equal(drawn, edges) {
		t.Errorf("the graph draws %v\nwant %v", drawn, edges)
	}

	// Clicking a model in the list opens it, with its column lineage.
	gold := `#list a[data-id="gold.user_session_analysis"]`
	if err := b.Click(gold); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(`document.querySelector("svg.lineage")`); err != nil {
		t.Fatal(err)
	}
	if h := eval[string](t, b, `document.querySelector("main h1").textContent`); h != "gold.user_session_analysis" {
		t.Errorf("clicking the model opened %q", h)
	}
	lineage := eval[[]string](t, b, `Array.from(document.querySelectorAll("svg.lineage path")).map(p => p.dataset.edge + " " + p.getAttribute("class"))`)
	for _, e := range []string{
		"silver.transactions.amount->amount edge direct",
		"silver.users.country->user_country edge direct",
		"silver.events.*->total_events edge counted",
		"silver.events.session_id->session_id edge direct",
	} {
		if !slices.Contains(lineage, e) {
			t.Errorf("column lineage lacks %s; has %v", e, lineage)
		}
	}
	text := eval[string](t, b, `document.querySelector("main").innerText`)
	for _, s := range []string{"silver.events.session_id\tfilter, group by, join", "silver.transactions.session_id\tfilter, join", "session_id\tVARCHAR", "not_null(session_id)\terror\tpass"} {
		if !strings.Contains(text, s) {
			t.Errorf("the model page lacks %q:\n%s", s, text)
		}
	}

	// A source page: fields, files, records.
	if err := b.Click(`#list a[data-id="events"]`); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(`document.querySelector("main").dataset.view == "source"`); err != nil {
		t.Fatal(err)
	}
	if text := eval[string](t, b, `document.querySelector("main").innerText`); !strings.Contains(text, "event_timestamp\ttimestamp\tyes") || !strings.Contains(text, "1,500 records") {
		t.Errorf("the source page:\n%s", text)
	}

	// Search narrows the list.
	if err := b.Type("#search", "velocity"); err != nil {
		t.Fatal(err)
	}
	shown := eval[[]string](t, b, `Array.from(document.querySelectorAll("#list li:not([hidden]) a[data-id]")).map(a => a.dataset.id)`)
	if !slices.Equal(shown, []string{"gold.fraud_velocity_alerts"}) {
		t.Errorf("searching velocity shows %v", shown)
	}

	if remote := b.Remote(); len(remote) > 0 {
		t.Errorf("requests left the machine: %v", remote)
	}
	shot, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "docs.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes); requests: %d, all file://", path, len(shot), len(b.Requests()))
}

// A description and a data value holding a script show as text and run
// nothing.
func TestDocsShowScriptsAsText(t *testing.T) {
	const evil = "<script>alert(1)</script>"
	proj := t.TempDir()
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), "version: 1\n")
	testutil.WriteFile(t, filepath.Join(proj, "models", "gold", "evil.sql"), "/*\nmaterialized: table\ndescription: \""+evil+"\"\ncolumns:\n  - name: v\n    description: \"<img src=x onerror=alert(2)>\"\n*/\nSELECT '"+evil+"' AS v, 1 AS n UNION ALL SELECT '"+evil+"', 2\n")
	mustElt(t, "--project", proj, "build")
	b := openDocs(t, proj)
	if err := b.Click(`#list a[data-id="gold.evil"]`); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(`document.querySelector("main").dataset.view == "model"`); err != nil {
		t.Fatal(err)
	}
	text := eval[string](t, b, `document.querySelector("main").innerText`)
	if strings.Count(text, evil) < 2 || !strings.Contains(text, "<img src=x onerror=alert(2)>") {
		t.Errorf("the description and the value should show as text:\n%s", text)
	}
	if n := eval[int](t, b, `document.scripts.length + document.images.length`); n != 2 {
		t.Errorf("the page holds %d scripts and images, want only its own 2 scripts", n)
	}
	if d := b.Dialogs(); len(d) > 0 {
		t.Errorf("a dialog opened: %v", d)
	}
	if remote := b.Remote(); len(remote) > 0 {
		t.Errorf("requests left the machine: %v", remote)
	}
}

// Model and column descriptions are DuckDB comments, for every client; a
// header describing a column the model lacks is an error at its line.
func TestDescriptionsAreComments(t *testing.T) {
	proj := t.TempDir()
	testutil.WriteFile(t, filepath.Join(proj, "elt.yaml"), "version: 1\n")
	model := filepath.Join(proj, "models", "gold", "one.sql")
	testutil.WriteFile(t, model, "/*\nmaterialized: table\ndescription: It's one row.\ncolumns:\n  - name: id\n    description: the key\n*/\nSELECT 1 AS id\n")
	mustElt(t, "--project", proj, "build")
	out := mustElt(t, "--project", proj, "query", "--format", "csv",
		"SELECT t.comment, c.column_name, c.comment FROM duckdb_tables() t JOIN duckdb_columns() c USING (table_oid) WHERE t.table_name = 'one'")
	if out != "comment,column_name,comment\nIt's one row.,id,the key\n" {
		t.Errorf("comments:\n%s", out)
	}
	testutil.WriteFile(t, model, "/*\nmaterialized: table\ncolumns:\n  - name: idd\n    description: the key\n*/\nSELECT 1 AS id\n")
	code, _, errs := elt(t, "--project", proj, "build")
	if code != 1 || !strings.Contains(errs, "models/gold/one.sql:4:5: the header describes column idd, which the model does not return") {
		t.Errorf("exit %d\n%s", code, errs)
	}
}

// A warehouse an older elt wrote (before runs kept their reconciliation,
// migration 0007) still gets its docs: elt docs opens it read-only and
// migrates nothing.
func TestDocsOfAnOlderWarehouse(t *testing.T) {
	proj := pipelineProject(t)
	var now, latest int
	if _, err := fmt.Sscanf(mustElt(t, "--project", proj, "migrate", "version"), "version %d of %d", &now, &latest); err != nil || now < 7 {
		t.Fatalf("migrate version: %d of %d, %v", now, latest, err)
	}
	if out := mustElt(t, "--project", proj, "migrate", "down", "--steps", strconv.Itoa(now-6)); !strings.Contains(out, "table elt.reconciliations\nversion 6 of ") {
		t.Fatalf("migrate down to version 6: %q", out)
	}
	out := mustElt(t, "--project", proj, "docs", "--out", filepath.Join(t.TempDir(), "site"))
	if !strings.Contains(out, "6 models, 3 sources") {
		t.Errorf("elt docs: %s", out)
	}
}
