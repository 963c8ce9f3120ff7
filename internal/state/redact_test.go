package state

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRunHistoryRedacted: a run's command line and error are kept with any
// URL's password redacted, and the passwords an older elt kept are
// redacted when the warehouse is next opened for writing.
func TestRunHistoryRedacted(t *testing.T) {
	ctx := context.Background()
	db := migrated(t)
	runs := Runs{DB: db}
	id, err := runs.Start(ctx, "build", "--redis-url redis://:hunter2@h:6379/0 build", "dev")
	if err != nil {
		t.Fatal(err)
	}
	if err := runs.Finish(ctx, id, Failed, errors.New(`the Redis URL "redis://u:hunter2@h/x": bad`)); err != nil {
		t.Fatal(err)
	}
	// As an older elt wrote it.
	if _, err := db.ExecContext(ctx, `INSERT INTO elt.runs (run_id, command, args, status, started_at, error)
		VALUES (nextval('elt.run_id'), 'build', '--redis-url redis://:hunter2@h:6379/0?password=hunter2 build', 'error', now(), 'redis://:hunter2@h')`); err != nil {
		t.Fatal(err)
	}
	// Read before any migration (elt docs opens read-only): redacted.
	recent, err := RecentRuns(ctx, db, 10)
	if err != nil || len(recent) != 2 {
		t.Fatalf("%v, %v", recent, err)
	}
	for _, r := range recent {
		if strings.Contains(r.Args+r.Error, "hunter2") {
			t.Fatalf("RecentRuns shows %+v", r)
		}
	}
	if err := Migrate(db.DB); err != nil {
		t.Fatal(err)
	}
	var all string
	if err := db.QueryRowContext(ctx, "SELECT string_agg(args || ' | ' || error, '\n') FROM elt.runs").Scan(&all); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(all, "hunter2") || strings.Count(all, "***") != 5 {
		t.Fatalf("run history:\n%s", all)
	}
}
