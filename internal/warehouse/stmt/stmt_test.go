package stmt

import (
	"context"
	"slices"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

func TestDescribe(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE t (a INTEGER, b DATE, c VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query  string
		params []string
		cols   []Column
	}{
		{`SELECT a, $2::date + 1 AS d FROM t WHERE a = $1 AND c = $3`, []string{"INTEGER", "DATE", "VARCHAR"},
			[]Column{{"a", "INTEGER"}, {"d", "DATE"}}},
		{`SELECT $1 AS x`, []string{"UNKNOWN"}, []Column{{"unknown", "UNKNOWN"}}}, // DuckDB cannot type it before binding
		{`SELECT 1.5::DECIMAL(18,2) AS n, [1,2] AS l, {'a': 1, 'b c': 'x'} AS s, MAP {'k': 1} AS m, '{}'::JSON AS j,
			true AS b, 1::TINYINT AS i1, 2::SMALLINT AS i2, 3::BIGINT AS i8, 4::HUGEINT AS h, 5::UBIGINT AS ub, 6::UHUGEINT AS uh,
			1.5::FLOAT AS f, 2.5::DOUBLE AS d, 'x'::BLOB AS bl, now()::TIMESTAMP AS ts, now() AS tz, INTERVAL 1 DAY AS iv,
			gen_random_uuid() AS u, '1:00'::TIME AS tm, now()::TIMESTAMP_NS AS ns, [1,2]::INTEGER[2] AS arr`, nil,
			[]Column{{"n", "DECIMAL(18,2)"}, {"l", "INTEGER[]"}, {"s", `STRUCT("a" INTEGER, "b c" VARCHAR)`},
				{"m", "MAP(VARCHAR, INTEGER)"}, {"j", "JSON"}, {"b", "BOOLEAN"}, {"i1", "TINYINT"}, {"i2", "SMALLINT"},
				{"i8", "BIGINT"}, {"h", "HUGEINT"}, {"ub", "UBIGINT"}, {"uh", "UHUGEINT"}, {"f", "FLOAT"}, {"d", "DOUBLE"},
				{"bl", "BLOB"}, {"ts", "TIMESTAMP"}, {"tz", "TIMESTAMPTZ"}, {"iv", "INTERVAL"}, {"u", "UUID"}, {"tm", "TIME"},
				{"ns", "TIMESTAMP_NS"}, {"arr", "INTEGER[2]"}}},
	} {
		params, cols, err := Describe(ctx, conn, c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if !slices.Equal(params, c.params) || !slices.Equal(cols, c.cols) {
			t.Errorf("%s:\n got %v %v\nwant %v %v", c.query, params, cols, c.params, c.cols)
		}
	}
	if _, _, err := Describe(ctx, conn, `SELECT nope FROM t`); err == nil {
		t.Error("a query that does not bind is described without error")
	}
}
