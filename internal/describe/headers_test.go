package describe

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/compile"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// The header names checked against the columns the models' SQL returns,
// before anything runs (CheckHeaders), on projects that were never built:
// the models are described empty, from their files alone.

// checkHeaders loads and plans the project in dir and checks the headers
// of all its models, as elt compile and elt build do first.
func checkHeaders(t *testing.T, dir string) error {
	t.Helper()
	ctx := context.Background()
	p, g, err := compile.Load(ctx, dir, project.Overrides{})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	ids, err := g.Select(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return CheckHeaders(ctx, p, g, ids)
}

// TestHeaderNamesChecked: a header name that is not one of the model's
// output columns (columns:, unique_key, order_by, partition_by) is an error
// at its line:col, listing the model's columns.
func TestHeaderNamesChecked(t *testing.T) {
	body := "SELECT order_id, amount, day FROM bronze.orders\nQUALIFY row_number() OVER (PARTITION BY order_id ORDER BY day DESC) = 1\n"
	for _, c := range []struct {
		name, header, want string
	}{
		{"column typo", "materialized: table\ncolumns:\n  - name: dya\n    checks: [not_null]\n",
			"models/silver/orders.sql:4:5: the header describes column dya, which the model does not return"},
		{"unique_key", "materialized: incremental\nunique_key: nosuch\norder_by: day DESC\n",
			"models/silver/orders.sql:3:13: unique_key nosuch is not a column the model returns"},
		{"online key", "materialized: incremental\nunique_key: nosuch\norder_by: day DESC\nonline: {key_prefix: \"o:\"}\n",
			"models/silver/orders.sql:3:13: unique_key (the key of online:) nosuch is not a column the model returns"},
		{"order_by column", "materialized: incremental\nunique_key: order_id\norder_by: dya DESC\n",
			"models/silver/orders.sql:4:11: order_by names dya, which silver.orders does not return"},
		{"order_by bronze columns", "materialized: incremental\nunique_key: order_id\norder_by: _file DESC, _line DESC\n",
			"models/silver/orders.sql:4:11: order_by names _file, _line, which silver.orders does not return"},
		{"partition_by", "materialized: table\nexport:\n  formats: [csv]\n  partition_by:\n    - {name: y, expr: \"year(dya)\"}\n",
			"models/silver/orders.sql:6:23: partition_by y: expr \"year(dya)\" does not bind to the model's columns"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := testutil.SmallOrdersProject(t, map[string]string{"silver/orders.sql": "/*\n" + c.header + "*/\n" + body})
			err := checkHeaders(t, dir)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "silver.orders returns order_id, amount, day") {
				t.Fatalf("got %v, want %q with the model's columns", err, c.want)
			}
		})
	}
}

// TestHeaderCheckedWhenUpstreamNotBuilt: a model downstream of another is
// checked too (its input is described empty for the check).
func TestHeaderCheckedWhenUpstreamNotBuilt(t *testing.T) {
	dir := testutil.SmallOrdersProject(t, map[string]string{
		"silver/orders.sql": "/* materialized: table */\nSELECT order_id, amount, day FROM bronze.orders\n",
		"gold/daily.sql":    "/*\nmaterialized: table\ncolumns:\n  - name: revenu\n    description: typo\n*/\nSELECT day, sum(amount) AS revenue FROM silver.orders GROUP BY day\n",
	})
	err := checkHeaders(t, dir)
	if err == nil || !strings.Contains(err.Error(), "models/gold/daily.sql:4:5: the header describes column revenu") || !strings.Contains(err.Error(), "gold.daily returns day, revenue") {
		t.Fatalf("got %v, want the typo in gold.daily with its columns", err)
	}
}

// TestHeaderChecksAndKeysChecked: a blocking expression check that does
// not bind to the model's rows (an unknown column, an aggregate), a
// model-level check's column, and redshift keys the model does not return
// are errors at their line:col, all together; a check that only warns is
// left to the audit.
func TestHeaderChecksAndKeysChecked(t *testing.T) {
	dir := testutil.SmallOrdersProject(t, map[string]string{"silver/orders.sql": `/*
materialized: table
checks:
  - {expression: "sum(amount) > 0"}
  - {range: {column: amont, min: 0}}
  - {expression: {expr: "amout > 0", severity: warn}}
columns:
  - name: amount
    checks:
      - {expression: "amount >= nosuch"}
redshift:
  dist_key: order_idd
  sort_key: [day, dya]
*/
SELECT order_id, amount, day FROM bronze.orders
`})
	err := checkHeaders(t, dir)
	if err == nil {
		t.Fatal("no error, want five")
	}
	for _, want := range []string{
		"models/silver/orders.sql:4:18: check expression: expression \"sum(amount) > 0\" is not a condition on the model's rows: WHERE clause cannot contain aggregates",
		"models/silver/orders.sql:5:5: check range(amont) names column amont, which the model does not return",
		"models/silver/orders.sql:10:22: check expression: expression \"amount >= nosuch\" is not a condition on the model's rows",
		"models/silver/orders.sql:12:13: dist_key order_idd is not a column the model returns",
		"models/silver/orders.sql:13:19: sort_key names dya, which is not a column the model returns",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q", want)
		}
	}
	var es diag.Errors
	if !errors.As(err, &es) || len(es) != 5 {
		t.Errorf("got %d errors (%T), want 5", len(es), err)
	}
	if strings.Contains(err.Error(), "amout") {
		t.Errorf("the warning check was checked before the audit:\n%v", err)
	}
}
