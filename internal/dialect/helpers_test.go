package dialect

import (
	"flag"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// The shipped models and elt init's starter, translated, are golden
// files of internal/cli (TestEngineGolden, testdata/engine), which also
// runs them in PostgreSQL (TestConformanceInPostgres, TestStarterInPostgres).

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// duck opens an in-memory DuckDB for the test.
func duck(t testing.TB) *warehouse.DB {
	return testutil.MemoryDB(t)
}
