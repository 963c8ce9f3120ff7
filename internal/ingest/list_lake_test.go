package ingest

import (
	"context"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestListSaysUnreachableOnce: sources on a bucket whose server cannot be
// reached are one error, not one per source.
func TestListSaysUnreachableOnce(t *testing.T) {
	srv := testutil.StartS3(t, "lake-down")
	srv.Stop()
	var sources []Source
	readers := map[string]bool{}
	for _, name := range []string{"events", "transactions", "users"} {
		sources = append(sources, Source{Name: name, Dir: "s3://lake-down/bronze/" + name, Source: contract.Source{Patterns: []string{"*"}}})
		readers["bronze."+name] = true
	}
	_, err := List(context.Background(), sources, readers, nil)
	if err == nil || strings.Count(err.Error(), "cannot reach the S3 server") != 1 {
		t.Fatalf("three sources on a stopped server: %v", err)
	}
}
