package load

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/dialect"
	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/testutil"
)

func TestCopyStatement(t *testing.T) {
	u, err := lake.Parse("s3://elt-loads/runs/run=7/bronze.orders/")
	if err != nil {
		t.Fatal(err)
	}
	got := CopyStatement(sqlname.Qualified("bronze", "orders"), u.Join(ManifestName), `arn:aws:iam::123456789012:role/it's\loader`)
	want := `COPY "bronze"."orders"
FROM 's3://elt-loads/runs/run=7/bronze.orders/manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/it''s\\loader'
FORMAT AS PARQUET
MANIFEST;
`
	if got != want {
		t.Errorf("CopyStatement:\n%s\nwant\n%s", got, want)
	}
}

func TestManifest(t *testing.T) {
	got, err := manifest(lake.URL{Bucket: "elt-loads", Key: "runs/7"}, []string{"data_0.parquet", "data_1.parquet"}, []int64{1024, 17})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "entries": [
    {
      "url": "s3://elt-loads/runs/7/data_0.parquet",
      "mandatory": true,
      "meta": {
        "content_length": 1024
      }
    },
    {
      "url": "s3://elt-loads/runs/7/data_1.parquet",
      "mandatory": true,
      "meta": {
        "content_length": 17
      }
    }
  ]
}
`
	if string(got) != want {
		t.Errorf("manifest:\n%s\nwant\n%s", got, want)
	}
}

// TestRedshiftLoad writes a query's rows to a real S3 server (versitygw):
// the Parquet files land under the prefix, the manifest lists each with
// its size, DuckDB reads back from them the rows the query has (cast as
// Redshift takes them), and the COPY names the manifest.
func TestRedshiftLoad(t *testing.T) {
	ctx := context.Background()
	const bucket = "elt-loads"
	srv := testutil.StartS3(t, bucket)
	duck := openDuck(t)
	defer func(s string) { fileSize = s }(fileSize)
	fileSize = "200KB" // several files

	query := `SELECT i AS id, 'order ' || i AS name, (i / 7)::DECIMAL(10,2) AS amount, (i / 3)::DECIMAL(38,4) AS big,
		i::UBIGINT AS ub, uuid() AS ref, TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL 1 minute AS at,
		DATE '2024-01-01' + (i % 400)::INTEGER AS day, i % 2 = 0 AS even, CASE WHEN i % 10 = 0 THEN NULL ELSE i / 3.0 END AS ratio,
		('x' || i)::BLOB AS raw
		FROM range(100000) r(i)`
	if _, err := duck.ExecContext(ctx, "CREATE TABLE src AS "+query); err != nil {
		t.Fatal(err)
	}
	query = "SELECT * FROM src"
	cols, err := Columns(ctx, duck, query)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateTable(dialect.Redshift, sqlname.Qualified("bronze", "orders"), cols); err != nil {
		t.Fatal(err)
	}
	prefix := "s3://" + bucket + "/loads/run=1/bronze.orders"
	table := sqlname.Qualified("bronze", "orders")
	role := "arn:aws:iam::123456789012:role/loader"
	copySQL, err := RedshiftLoad(ctx, duck, query, cols, srv.Store, t.TempDir(), table, prefix, role)
	if err != nil {
		t.Fatal(err)
	}
	wantCopy := "COPY \"bronze\".\"orders\"\nFROM 's3://elt-loads/loads/run=1/bronze.orders/manifest'\nIAM_ROLE 'arn:aws:iam::123456789012:role/loader'\nFORMAT AS PARQUET\nMANIFEST;\n"
	if copySQL != wantCopy {
		t.Errorf("RedshiftLoad's COPY:\n%s\nwant\n%s", copySQL, wantCopy)
	}

	objects := srv.Objects(prefix)
	u, _ := lake.Parse(prefix)
	data, err := srv.Store.Get(ctx, u.Join(ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m lake.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Entries) < 2 {
		t.Fatalf("the manifest lists %d files; want several (files of 200KB)", len(m.Entries))
	}
	if len(objects) != len(m.Entries)+1 {
		t.Errorf("%d objects under the prefix, the manifest lists %d files: %v", len(objects), len(m.Entries), objects)
	}
	var files []string
	for _, e := range m.Entries {
		size, ok := objects[e.URL]
		if !ok || !e.Mandatory || size != e.Meta.ContentLength || !strings.HasSuffix(e.URL, ".parquet") {
			t.Errorf("manifest entry %+v: the object has %d bytes (there: %v)", e, size, ok)
		}
		f, _ := lake.Parse(e.URL)
		files = append(files, sqlname.Literal(filepath.Join(srv.Root, f.Bucket, filepath.FromSlash(f.Key))))
	}

	// What the files hold, cast back to the query's types, is what the
	// query gives: the same rows, no more, no fewer.
	var back []string
	for _, c := range cols {
		back = append(back, "CAST("+sqlname.Ident(c.Name)+" AS "+c.Type+")")
	}
	read := "SELECT * FROM read_parquet([" + strings.Join(files, ", ") + "], hive_partitioning = false)"
	sel := "SELECT " + strings.Join(back, ", ") + " FROM (" + read + ")"
	var count, missing, extra int64
	if err := duck.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM ("+read+")), (SELECT count(*) FROM ("+query+" EXCEPT ALL "+sel+")), (SELECT count(*) FROM ("+sel+" EXCEPT ALL "+query+"))").Scan(&count, &missing, &extra); err != nil {
		t.Fatal(err)
	}
	if count != 100000 || missing != 0 || extra != 0 {
		t.Errorf("the files hold %d rows; %d of the query's are missing, %d are not the query's", count, missing, extra)
	}
	var types string
	if err := duck.QueryRowContext(ctx, "SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE "+read+")").Scan(&types); err != nil {
		t.Fatal(err)
	}
	if want := "id BIGINT, name VARCHAR, amount DECIMAL(10,2), big DECIMAL(38,4), ub DECIMAL(20,0), ref VARCHAR, at TIMESTAMP WITH TIME ZONE, day DATE, even BOOLEAN, ratio DOUBLE, raw BLOB"; types != want {
		t.Errorf("the Parquet columns are\n%s\nwant\n%s", types, want)
	}

	// A second load into the same folder is refused; an empty one writes
	// one file without rows.
	if _, err := RedshiftLoad(ctx, duck, query, cols, srv.Store, t.TempDir(), table, prefix, role); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Errorf("a second load into %s: %v; want it refused", prefix, err)
	}
	empty := "s3://" + bucket + "/loads/run=2/bronze.orders"
	if _, err := RedshiftLoad(ctx, duck, query+" WHERE false", cols, srv.Store, t.TempDir(), table, empty, role); err != nil {
		t.Fatal(err)
	}
	if objs := srv.Objects(empty); len(objs) != 2 {
		t.Errorf("an empty load left %v; want one Parquet file and the manifest", objs)
	}
}

func TestRedshiftLoadRefuses(t *testing.T) {
	ctx := context.Background()
	duck := openDuck(t)
	cols := []Column{{"a", "INTEGER"}}
	for _, tc := range []struct{ prefix, role, want string }{
		{"/tmp/loads", "arn:aws:iam::1:role/r", "is not an s3:// address"},
		{"s3://elt-loads", "arn:aws:iam::1:role/r", "is a whole bucket"},
		{"s3://elt-loads/x", " ", "no IAM role"},
	} {
		_, err := RedshiftLoad(ctx, duck, "SELECT 1 AS a", cols, nil, t.TempDir(), "t", tc.prefix, tc.role)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("RedshiftLoad(%q, %q): %v; want an error with %q", tc.prefix, tc.role, err, tc.want)
		}
	}
}
