package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/testutil"
)

// syncBuffer is a bytes.Buffer safe to read while elt watch writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestWatch drops files into a watched bronze folder: one written slowly
// under its final name, one written aside and renamed into place. Gold and
// Redis follow; the slow file is never read half-written; Ctrl-C stops.
func TestWatch(t *testing.T) {
	url := testutil.StartRedis(t)
	proj := copyProject(t, repoRoot(t), t.TempDir())
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "2000", "--users", "40", "--days", "1")
	mustElt(t, "--project", proj, "--redis-url", url, "build")

	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"elt", "--project", proj, "--redis-url", url, "watch", "--interval", "400ms"}, strings.NewReader(""), &out, &out)
	}()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if ok() {
				return
			}
		}
		t.Fatalf("timed out waiting for %s; watch printed:\n%s", what, out.String())
	}
	waitFor("the watcher", func() bool { return strings.Contains(out.String(), "watching ") })

	events := filepath.Join(proj, "data", "bronze", "events", "dt=2026-11-01")
	line := func(id, user string) string {
		return `{"event_id": "` + id + `", "session_id": "w-` + id + `", "user_id": "` + user + `", "event_type": "click", "event_timestamp": "2026-11-01T12:00:00Z"}` + "\n"
	}
	// Renamed into place: written as .tmp (never read), then renamed.
	tmp := filepath.Join(events, "part-w1.json.tmp")
	testutil.WriteFile(t, tmp, line("renamed-1", "u000001"))
	if err := os.Rename(tmp, filepath.Join(events, "part-w1.json")); err != nil {
		t.Fatal(err)
	}
	// Written slowly under its final name: half a line, a pause, the rest.
	slow := filepath.Join(events, "part-w2.json")
	f, err := os.Create(slow)
	if err != nil {
		t.Fatal(err)
	}
	whole := line("slow-1", "u000002") + line("slow-2", "u000002")
	for i := 0; i < len(whole); i += 40 { // a chunk every 150 ms, across several polls
		if _, err := f.WriteString(whole[i:min(i+40, len(whole))]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
	}
	f.Close()

	count := func(q string) string {
		code, o, _ := elt(t, "--project", proj, "query", "--format", "csv", q)
		if code != 0 {
			return ""
		}
		return o
	}
	waitFor("both files in gold", func() bool {
		return count("SELECT count(*) AS n FROM gold.user_session_analysis WHERE session_id LIKE 'w-%'") == "n\n3\n"
	})
	if q := count("SELECT count(*) AS n FROM silver.quarantine WHERE file LIKE '%part-w%'"); q != "n\n0\n" {
		t.Fatalf("a watched file was read half-written: %s", q)
	}
	if sz := count("SELECT size FROM elt.files WHERE file LIKE '%part-w2.json'"); sz != "size\n"+itoa(len(whole))+"\n" {
		t.Fatalf("the slow file was ingested as %q, want its whole %d bytes", sz, len(whole))
	}
	waitFor("Redis level with gold.user_features", func() bool { return equalHashes(redisHashes(t, url), featureRows(t, proj)) })
	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(out.String(), "stopped") {
			t.Fatalf("exit %d\n%s", code, out.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("watch did not stop")
	}
	if !strings.Contains(out.String(), " files, ") && !strings.Contains(out.String(), " file, ") {
		t.Fatalf("no build line:\n%s", out.String())
	}
}
