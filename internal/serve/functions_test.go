package serve

import (
	"context"
	"slices"
	"testing"

	"github.com/digitalservices/elt/internal/query"
	"github.com/digitalservices/elt/internal/warehouse"
)

func TestActingCalls(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"SELECT 1", nil},
		{"SELECT * FROM range(3) JOIN duckdb_tables() ON true", nil},
		{"SELECT * FROM read_parquet('data/out/x.parquet')", nil},
		{"SELECT * FROM enable_profiling()", []string{"enable_profiling"}},
		{`SELECT * FROM "checkpoint"()`, []string{"checkpoint"}},
		{"SELECT * FROM (SELECT * FROM query('SELECT 1')) q, Force_Checkpoint()", []string{"force_checkpoint", "query"}},
		{"WITH a AS (SELECT * FROM enable_logging()) SELECT * FROM a", []string{"enable_logging"}},
		{"SELECT (SELECT count(*) FROM import_database('x'))", []string{"import_database"}},
		{"EXPLAIN SELECT * FROM json_execute_serialized_sql('{}')", []string{"json_execute_serialized_sql"}},
	} {
		tree, err := query.Allowed(ctx, db, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		if got := actingCalls(tree); !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("actingCalls(%s) = %v, want %v", c.q, got, c.want)
		}
	}
}

func TestPosition(t *testing.T) {
	for _, c := range []struct {
		text      string
		line, col int
		want      int
	}{
		{"SELECT x", 1, 8, 8},
		{"SELECT 1,\n  é + x", 2, 7, 17},
		{"SELECT 1", 0, 0, 0},
		{"SELECT 1", 3, 1, 0},
	} {
		if got := position(c.text, c.line, c.col); got != c.want {
			t.Errorf("position(%q, %d, %d) = %d, want %d", c.text, c.line, c.col, got, c.want)
		}
	}
}
