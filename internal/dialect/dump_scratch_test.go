package dialect

import (
	"context"
	"os"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

func TestDumpScratch(t *testing.T) {
	q := os.Getenv("Q")
	if q == "" {
		t.Skip()
	}
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	var out string
	err = db.QueryRowContext(context.Background(), "SELECT json_serialize_sql(?::VARCHAR, skip_empty := "+os.Getenv("SKIP")+")::VARCHAR", q).Scan(&out)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/dump/out.json", []byte(out), 0o644)
}
