package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/digitalservices/elt/internal/testutil"
)

// manyModels writes a project of n models in layers of 100: the first
// layer reads inline rows, each later model joins two of the layer before.
func manyModels(b *testing.B, n int) string {
	dir := b.TempDir()
	testutil.WriteFile(b, filepath.Join(dir, "elt.yaml"), "version: 1\n")
	const width = 100
	for i := 0; i < n; i++ {
		layer, k := i/width, i%width
		name := fmt.Sprintf("m%04d", i)
		var body string
		if layer == 0 {
			body = fmt.Sprintf("SELECT range AS id, range * %d AS v, 'label ' || (range %% 7) AS label FROM range(20)", k+1)
		} else {
			a, c := fmt.Sprintf("l%02d.m%04d", layer-1, (layer-1)*width+k), fmt.Sprintf("l%02d.m%04d", layer-1, (layer-1)*width+(k+1)%width)
			body = fmt.Sprintf("SELECT a.id, a.v + b.v AS v, a.label FROM %s AS a JOIN %s AS b USING (id) WHERE b.v >= 0", a, c)
		}
		header := fmt.Sprintf("/*\nmaterialized: table\ndescription: model %d of layer %d\ncolumns:\n  - name: id\n    description: the key\n    checks: [not_null]\n*/\n", k, layer)
		testutil.WriteFile(b, filepath.Join(dir, "models", fmt.Sprintf("l%02d", layer), name+".sql"), header+body+"\n")
	}
	return dir
}

// BenchmarkDocs2000 writes the docs site of 2,000 built models and opens it
// in headless Chromium: the site's first paint, the lineage graph of all
// 2,000, a model page, and a search.
func BenchmarkDocs2000(b *testing.B) {
	const n = 2000
	proj := manyModels(b, n)
	build := quietElt(b, "--project", proj, "build")
	out := filepath.Join(b.TempDir(), "site")
	var write time.Duration
	for i := 0; i < b.N; i++ {
		write += quietElt(b, "--project", proj, "docs", "--out", out)
	}
	br := testutil.StartBrowser(b)
	step := func(action, cond string) time.Duration {
		t0 := time.Now()
		do := chromedp.Evaluate[chromedp.Void](action)
		if strings.HasPrefix(action, "file://") {
			do = chromedp.Navigate(action)
		}
		if err := chromedp.Do(br.Ctx, do); err != nil {
			b.Fatal(err)
		}
		if err := br.Wait(cond); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	open := step("file://"+filepath.Join(out, "index.html"),
		fmt.Sprintf(`document.querySelectorAll("#list a[data-id]").length == %d && document.querySelector("main h1")`, n))
	graph := step(`location.hash = "#graph"`, fmt.Sprintf(`document.querySelectorAll("svg.graph rect").length == %d`, n))
	model := step(`document.querySelector('#list a[data-id="l19.m1999"]').click()`, `document.querySelector("main h1") && document.querySelector("main h1").textContent == "l19.m1999"`)
	search := step(`var s = document.getElementById("search"); s.value = "m1999"; s.dispatchEvent(new Event("input"))`,
		`document.querySelectorAll("#list li:not([hidden]) a[data-id]").length == 1`)
	if remote := br.Remote(); len(remote) > 0 {
		b.Fatalf("requests left the machine: %v", remote)
	}
	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(write.Seconds()/float64(b.N), "docs-s")
	b.ReportMetric(open.Seconds(), "open-s")
	b.ReportMetric(graph.Seconds(), "graph-s")
	b.ReportMetric(model.Seconds(), "model-s")
	b.ReportMetric(search.Seconds(), "search-s")
	b.Logf("%d models: elt build %.1fs; elt docs %.2fs; in Chromium: open %.2fs, whole graph %.2fs, a model %.3fs, search %.3fs",
		n, build.Seconds(), write.Seconds()/float64(b.N), open.Seconds(), graph.Seconds(), model.Seconds(), search.Seconds())
}
