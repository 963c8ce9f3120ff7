package profile

import (
	"context"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

func TestProfile(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA s; CREATE TABLE s.t AS SELECT i AS id,
		CASE WHEN i % 4 = 0 THEN NULL ELSE ['a', 'b'][1 + i % 2] END AS k, (i * 0.5)::DECIMAL(5,1) AS d, 'x' || i AS txt
		FROM range(0, 40) r(i)`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		o     Options
		rows  int64
		check func(t *testing.T, p Table)
	}{
		{"exact", Options{}, 40, func(t *testing.T, p Table) {
			id, k, d, txt := p.Columns[0], p.Columns[1], p.Columns[2], p.Columns[3]
			if id.Distinct != 40 || id.Nulls != 0 || id.Min.String != "0" || id.Max.String != "39" {
				t.Errorf("id: %+v", id)
			}
			if k.Nulls != 10 || k.Distinct != 2 || len(k.Values) != 2 || k.Values[0].Text != "b" || k.Values[0].Count != 20 || k.Values[1].Count != 10 {
				t.Errorf("k: %+v", k)
			}
			if d.Type != "DECIMAL(5,1)" || d.Min.String != "0.0" || d.Max.String != "19.5" {
				t.Errorf("d: %+v", d)
			}
			if txt.Values != nil || txt.Min.Valid {
				t.Errorf("a text column with 40 values lists none and has no bounds: %+v", txt)
			}
			if share := p.NullShare(k); share != 0.25 {
				t.Errorf("null share of k %v", share)
			}
		}},
		{"where", Options{Where: "id < 10"}, 10, func(t *testing.T, p Table) {
			if p.Columns[0].Max.String != "9" {
				t.Errorf("id: %+v", p.Columns[0])
			}
		}},
		{"approximate", Options{Approximate: true}, 40, func(t *testing.T, p Table) {
			if d := p.Columns[0].Distinct; d < 36 || d > 44 {
				t.Errorf("approximate distinct of 40 values: %d", d)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Profile(ctx, db, "s", "t", tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if p.Rows != tc.rows {
				t.Errorf("rows %d, want %d", p.Rows, tc.rows)
			}
			tc.check(t, p)
		})
	}
	if _, err := Profile(ctx, db, "s", "nope", Options{}); err == nil {
		t.Error("profiling a missing table should fail")
	}
}
