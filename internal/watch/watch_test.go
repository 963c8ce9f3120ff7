package watch

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/project"
)

// TestWakeUpBuildsARenamedFile: a file renamed into the bronze folder is
// built when fsnotify says so (within the wake-up's least gap,
// interval/4), well before the next tick of a long interval.
func TestWakeUpBuildsARenamedFile(t *testing.T) {
	dir := t.TempDir()
	bronze := filepath.Join(dir, "bronze")
	if err := os.MkdirAll(filepath.Join(bronze, "events"), 0o755); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var builds []time.Time
	run := func(ctx context.Context, hold map[string]bool, _ build.Streams) (*build.Summary, error) {
		mu.Lock()
		builds = append(builds, time.Now())
		mu.Unlock()
		return &build.Summary{}, nil
	}
	var rec event.Recorder
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	interval := 20 * time.Second
	p := &project.Project{Dir: dir, Config: project.DefaultConfig()}
	p.Config.Paths.Bronze = bronze
	go func() { done <- Watch(ctx, p, interval, &rec, run) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(builds)
	}
	waitFor := func(n int, within time.Duration) time.Duration {
		t0 := time.Now()
		for count() < n {
			if time.Since(t0) > within {
				t.Fatalf("%d builds after %v, want %d (events: %v)", count(), within, n, rec.Events())
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(t0)
	}
	waitFor(1, 5*time.Second) // the catch-up build at start
	for _, e := range rec.Events() {
		if s, ok := e.(event.WatchStarted); ok && s.Polling != "" {
			t.Skipf("no file events here: %s", s.Polling)
		}
	}
	// Written outside the folder, then renamed in: one event, right away.
	tmp := filepath.Join(dir, "landing.ndjson")
	if err := os.WriteFile(tmp, []byte(`{"event_id":"e1"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(bronze, "events", "a.ndjson")); err != nil {
		t.Fatal(err)
	}
	if took := waitFor(2, interval/2); took > interval/2 {
		t.Fatalf("the renamed file was built after %v", took)
	}
}
