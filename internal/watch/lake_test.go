package watch

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/testutil"
)

// TestWatchObjects: with bronze on a real S3 server, an object uploaded
// is built at the next poll (objects are whole when listed), an object
// already built is not built again, and one the warehouse refuses as
// changed is held back from then on, named by its s3:// address.
func TestWatchObjects(t *testing.T) {
	srv := testutil.StartS3(t, "lake-watch")
	cfg, err := project.ParseConfig("version: 1\npaths:\n  bronze: s3://lake-watch/bronze\nsources:\n  events:\n    format: ndjson\n    fields: [{name: id, type: id}]\n")
	if err != nil {
		t.Fatal(err)
	}
	p := &project.Project{Dir: t.TempDir(), Config: cfg}
	var mu sync.Mutex
	var holds []map[string]bool
	refuse := ""
	run := func(ctx context.Context, hold map[string]bool, _ build.Streams) (*build.Summary, error) {
		mu.Lock()
		defer mu.Unlock()
		holds = append(holds, hold)
		if refuse != "" && !hold[refuse] {
			return nil, &ingest.ChangedError{File: refuse, Was: "aaaaaaaaaaaaaaaa", Now: "bbbbbbbbbbbbbbbb"}
		}
		return &build.Summary{}, nil
	}
	builds := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(holds)
	}
	waitFor := func(n int) {
		t.Helper()
		for t0 := time.Now(); builds() < n; time.Sleep(20 * time.Millisecond) {
			if time.Since(t0) > 10*time.Second {
				t.Fatalf("%d builds, want %d", builds(), n)
			}
		}
	}
	srv.Put("s3://lake-watch/bronze/events/a.ndjson", []byte("{\"id\":1}\n"))
	var rec event.Recorder
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Watch(ctx, p, 200*time.Millisecond, &rec, run) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	waitFor(1) // the catch-up build
	time.Sleep(600 * time.Millisecond)
	if n := builds(); n != 1 {
		t.Fatalf("%d builds with nothing new, want 1", n)
	}
	mu.Lock()
	refuse = "s3://lake-watch/bronze/events/b.ndjson"
	mu.Unlock()
	srv.Put("s3://lake-watch/bronze/events/b.ndjson", []byte("{\"id\":2}\n"))
	waitFor(3) // refused, then again without it
	mu.Lock()
	last := holds[len(holds)-1]
	mu.Unlock()
	if !last[refuse] {
		t.Fatalf("the changed object is not held back: %v", last)
	}
	var held bool
	for _, e := range rec.Events() {
		if h, ok := e.(event.WatchFileHeld); ok && h.File == refuse && h.Reason == event.HeldChanged {
			held = true
		}
		if s, ok := e.(event.WatchStarted); ok && s.Polling == "" {
			t.Errorf("watch over S3 does not say it polls: %+v", s)
		}
	}
	if !held {
		t.Fatalf("no watch_file_held for %s: %v", refuse, rec.Events())
	}
}
