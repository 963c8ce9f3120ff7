package cli

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/digitalservices/elt/internal/plan"
)

// TestLsJSON: elt ls --format json writes the graph a scheduler maps its
// tasks to: the sources with their fields, the models and seeds in build
// order with what each depends on, its materialization, tags and checks.
func TestLsJSON(t *testing.T) {
	e2e := filepath.Join("..", "..", "testdata", "e2e")
	var l plan.Listing
	out := mustElt(t, "--project", filepath.Join(e2e, "source-orders", "project"), "--bronze", "bronze", "ls", "--format", "json")
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if l.Schema != "elt.graph/1" || len(l.Sources) != 1 || len(l.Models) != 1 || len(l.Seeds) != 0 {
		t.Fatalf("listing %+v", l)
	}
	src := l.Sources[0]
	if src.Name != "orders" || src.Table != "bronze.orders" || src.Format != "csv" || src.Key != "order_id" || src.Path != "bronze/orders" ||
		len(src.Fields) != 5 || src.Fields[1] != (plan.ListedField{Name: "amount", Type: "decimal(10,2)", Required: true}) {
		t.Errorf("source %+v", src)
	}
	m := l.Models[0]
	want := plan.ListedModel{ID: "silver.orders", Order: 1, Path: "models/silver/orders.sql", Materialized: "incremental", DependsOn: []string{"bronze.orders"},
		Tags: []string{}, UniqueKey: "order_id", Checks: []plan.ListedCheck{{Name: "not_null(order_id)", Kind: "not_null", Column: "order_id", Severity: "error"},
			{Name: "unique(order_id)", Kind: "unique", Column: "order_id", Severity: "error"}}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("model\n%+v, want\n%+v", m, want)
	}

	out = mustElt(t, "--project", filepath.Join(e2e, "diamond-ls", "project"), "ls", "--format", "json")
	l = plan.Listing{}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, m := range l.Models {
		got = append(got, append([]string{m.ID, m.Materialized}, m.DependsOn...))
	}
	if w := [][]string{{"raw.orders", "table"}, {"mid.left_side", "view", "raw.orders"}, {"mid.right_side", "table", "raw.orders"},
		{"top.joined", "table", "mid.left_side", "mid.right_side"}}; !reflect.DeepEqual(got, w) {
		t.Errorf("models %q, want %q", got, w)
	}
	if !reflect.DeepEqual(l.Models[2].Tags, []string{"nightly"}) {
		t.Errorf("tags of mid.right_side: %q", l.Models[2].Tags)
	}

	out = mustElt(t, "--project", filepath.Join(e2e, "seeds-macros", "project"), "ls", "--format", "json")
	l = plan.Listing{}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Seeds) != 1 || l.Seeds[0].ID != "ref.products" || l.Seeds[0].Seed != "seeds/ref/products.csv" || len(l.Models) != 1 || l.Models[0].DependsOn[0] != "ref.products" {
		t.Errorf("seeds %+v, models %+v", l.Seeds, l.Models)
	}
	if code, _, errs := elt(t, "--project", filepath.Join(e2e, "diamond-ls", "project"), "ls", "--format", "yaml"); code != ExitUsage {
		t.Errorf("--format yaml exits %d: %s", code, errs)
	}
}
