package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/stream"
	"github.com/digitalservices/elt/internal/testutil"
)

// topicProject is a project whose one source reads the topic events on
// the brokers at addr, asked every 50ms, with an empty bronze folder.
func topicProject(t *testing.T, addr string) *project.Project {
	t.Helper()
	cfg, err := project.ParseConfig(fmt.Sprintf("version: 1\nsources:\n  events:\n    format: ndjson\n"+
		"    kafka: {brokers: [%q], topic: events, max_wait: 50ms}\n    fields: [{name: id, type: id}]\n", addr))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := &project.Project{Dir: dir, Config: cfg}
	p.Config.Paths.Bronze = filepath.Join(dir, "bronze")
	if err := os.MkdirAll(p.Config.Paths.Bronze, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// startWatch runs Watch over p until the test ends, failing it if Watch
// returns an error; what it reports goes to the recorder returned.
func startWatch(t *testing.T, p *project.Project, interval time.Duration, run Build) *event.Recorder {
	t.Helper()
	rec := &event.Recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Watch(ctx, p, interval, rec, run) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return rec
}

// TestWatchTopicRetriesAFailedBuild: a build of a Kafka source's messages
// that fails (the warehouse held by an elt query, a broker gone for a
// moment) is tried again an interval later, as a failed build of files
// is, though no message comes after; once a build succeeds, watch waits
// for new messages and builds nothing meanwhile.
func TestWatchTopicRetriesAFailedBuild(t *testing.T) {
	k := testutil.StartKafka(t, 2, "events")
	k.Produce(t, "events", 0, []byte(`{"id":"a"}`), []byte(`{"id":"b"}`))
	k.Produce(t, "events", 1, []byte(`{"id":"c"}`))
	p := topicProject(t, k.Addr())

	var mu sync.Mutex
	var builds []time.Time
	var read int
	pos := stream.Position{Offsets: map[int32]int64{}}
	// The first build fails before it reads; the others read what is new.
	run := func(ctx context.Context, _ map[string]bool, streams build.Streams) (*build.Summary, error) {
		mu.Lock()
		defer mu.Unlock()
		builds = append(builds, time.Now())
		if len(builds) == 1 {
			return nil, errors.New("the warehouse is open for writing by another process")
		}
		r := streams["events"]
		b, err := r.Plan(ctx, pos, stream.Earliest, 0)
		if err != nil {
			return nil, err
		}
		next, err := r.Read(ctx, b, func(stream.Record) error { read++; return nil })
		if err != nil {
			return nil, err
		}
		pos = stream.Position{TopicID: b.TopicID, Offsets: next}
		return &build.Summary{}, nil
	}
	state := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(builds), read
	}

	interval := 300 * time.Millisecond
	rec := startWatch(t, p, interval, run)
	deadline := time.Now().Add(10 * interval)
	for n, _ := state(); n < 2 && time.Now().Before(deadline); n, _ = state() {
		time.Sleep(10 * time.Millisecond)
	}
	if n, got := state(); n < 2 || got != 3 {
		t.Fatalf("after a failed build and %v with no new message: %d builds, %d of 3 messages read (events: %v)", 10*interval, n, got, rec.Events())
	}
	// Caught up: nothing more to build until a message comes.
	n, _ := state()
	time.Sleep(4 * interval)
	if again, _ := state(); again != n {
		t.Fatalf("%d builds after watch caught up with no new message", again-n)
	}
	k.Produce(t, "events", 1, []byte(`{"id":"d"}`))
	deadline = time.Now().Add(10 * interval)
	for _, got := state(); got < 4 && time.Now().Before(deadline); _, got = state() {
		time.Sleep(10 * time.Millisecond)
	}
	if again, got := state(); again != n+1 || got != 4 {
		t.Fatalf("a new message: %d builds (want 1), %d of 4 messages read", again-n, got)
	}
}

// TestWatchTopicBuildsNothingTwice: messages that arrive as a build
// begins, before it plans its batch, are read by that build; once it
// succeeded, no build follows until another message comes (one would read
// nothing, and still run the models and add a run).
func TestWatchTopicBuildsNothingTwice(t *testing.T) {
	k := testutil.StartKafka(t, 1, "events")
	k.Produce(t, "events", 0, []byte(`{"id":"a"}`))
	p := topicProject(t, k.Addr())
	var mu sync.Mutex
	var builds, read []int
	pos := stream.Position{Offsets: map[int32]int64{}}
	run := func(ctx context.Context, _ map[string]bool, streams build.Streams) (*build.Summary, error) {
		mu.Lock()
		defer mu.Unlock()
		if len(builds) == 1 {
			// The second build: a message lands as it begins.
			k.Produce(t, "events", 0, []byte(`{"id":"c"}`))
		}
		r := streams["events"]
		b, err := r.Plan(ctx, pos, stream.Earliest, 0)
		if err != nil {
			return nil, err
		}
		n := 0
		next, err := r.Read(ctx, b, func(stream.Record) error { n++; return nil })
		if err != nil {
			return nil, err
		}
		pos = stream.Position{TopicID: b.TopicID, Offsets: next}
		builds, read = append(builds, len(builds)+1), append(read, n)
		return &build.Summary{}, nil
	}
	got := func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(read)
	}
	interval := 300 * time.Millisecond
	startWatch(t, p, interval, run)
	for deadline := time.Now().Add(5 * time.Second); len(got()) < 1 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	k.Produce(t, "events", 0, []byte(`{"id":"b"}`))
	time.Sleep(8 * interval)
	// The catch-up build read a; the next b, and c, which landed as it
	// began; then nothing was left to build.
	if r := got(); !slices.Equal(r, []int{1, 2}) {
		t.Fatalf("messages read by each build: %v, want [1 2]", r)
	}
}

// TestWatchTopicReportsLag: after each build watch says how many messages
// of each partition the build left unread (watch_lag, for elt serve's
// metrics), when that changes: a build capped at one message of three
// leaves 2, the next 1, the last none.
func TestWatchTopicReportsLag(t *testing.T) {
	k := testutil.StartKafka(t, 1, "events")
	k.Produce(t, "events", 0, []byte(`{"id":"a"}`), []byte(`{"id":"b"}`), []byte(`{"id":"c"}`))
	p := topicProject(t, k.Addr())
	var mu sync.Mutex
	pos := stream.Position{Offsets: map[int32]int64{}}
	run := func(ctx context.Context, _ map[string]bool, streams build.Streams) (*build.Summary, error) {
		mu.Lock()
		defer mu.Unlock()
		r := streams["events"]
		b, err := r.Plan(ctx, pos, stream.Earliest, stream.Earliest)
		if err != nil {
			return nil, err
		}
		for i := range b.Ranges { // one message a build, as max_records: 1 would
			b.Ranges[i].End = min(b.Ranges[i].End, b.Ranges[i].From+1)
		}
		next, err := r.Read(ctx, b, func(stream.Record) error { return nil })
		if err != nil {
			return nil, err
		}
		pos = stream.Position{TopicID: b.TopicID, Offsets: next}
		return &build.Summary{}, nil
	}
	rec := startWatch(t, p, 200*time.Millisecond, run)
	var lags []int64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		lags = lags[:0]
		for _, e := range rec.Events() {
			if l, ok := e.(event.WatchLag); ok {
				if l.Source != "events" || l.Topic != "events" {
					t.Fatalf("lag of %s/%s, want events/events", l.Source, l.Topic)
				}
				lags = append(lags, l.Partitions[0])
			}
		}
		if slices.Equal(lags, []int64{2, 1, 0}) {
			return
		}
	}
	t.Fatalf("lags said: %v, want [2 1 0]", lags)
}
