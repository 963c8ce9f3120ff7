package cli

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/stream"
	"github.com/digitalservices/elt/internal/testutil"
)

// topicRecords reads every message of the topic, partition by partition.
func topicRecords(t *testing.T, addr, topic string) []stream.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := stream.Open(ctx, stream.Config{Brokers: []string{addr}, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := r.Plan(ctx, stream.Position{}, stream.Earliest, 0)
	if err != nil {
		t.Fatal(err)
	}
	var recs []stream.Record
	if _, err := r.Read(ctx, b, func(rec stream.Record) error { recs = append(recs, rec); return nil }); err != nil {
		t.Fatal(err)
	}
	return recs
}

// fileLines is every line of the files under dir, without line breaks.
func fileLines(t *testing.T, dir string) []string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		lines = append(lines, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestGenerateToKafka: elt generate --kafka produces each event line the
// file generate writes (same seed) as one message, to a topic it creates
// with --partitions, keyed by the event's user_id (malformed lines and
// events without a user have no key); the other sources' files are the
// same as the file generate's, and no events/ file is written. Run again
// over the same --out, it refuses before producing anything; its flags are
// checked (exit 2) and a broker that does not answer is named (exit 1).
func TestGenerateToKafka(t *testing.T) {
	k := testutil.StartKafka(t, 1)
	proj := minimalProject(t, t.TempDir())
	args := []string{"--events", "2000", "--users", "50", "--days", "2", "--seed", "3", "--dirty", "0.1"}
	files := filepath.Join(t.TempDir(), "files")
	mustElt(t, append([]string{"--project", proj, "generate", "--out", files}, args...)...)
	wantEvents := fileLines(t, filepath.Join(files, "events"))

	out := filepath.Join(t.TempDir(), "bronze")
	kafka := append([]string{"--project", proj, "generate", "--kafka", k.Addr(), "--topic", "events", "--partitions", "4", "--out", out}, args...)
	said := mustElt(t, kafka...)
	t.Log(strings.TrimSpace(said))
	if want := "produced " + itoa(len(wantEvents)) + " events to the new topic events (4 partitions) on the Kafka brokers " + k.Addr() + "; generated "; !strings.Contains(said, want) {
		t.Fatalf("elt generate --kafka said %q, want %q", said, want)
	}

	recs := topicRecords(t, k.Addr(), "events")
	var got []string
	parts := map[int32]bool{}
	for _, rec := range recs {
		got = append(got, string(rec.Value))
		parts[rec.Partition] = true
		var ev struct {
			UserID *string `json:"user_id"`
		}
		want := ""
		if json.Unmarshal(rec.Value, &ev) == nil && ev.UserID != nil {
			want = *ev.UserID
		}
		if string(rec.Key) != want {
			t.Fatalf("message %d/%d %s: key %q, want %q", rec.Partition, rec.Offset, rec.Value, rec.Key, want)
		}
	}
	slices.Sort(got)
	slices.Sort(wantEvents)
	if len(got) != len(wantEvents) || !slices.Equal(got, wantEvents) {
		t.Fatalf("the topic holds %d messages, the file generate wrote %d event lines (or others)", len(got), len(wantEvents))
	}
	if len(parts) != 4 {
		t.Errorf("the events went to %d partitions, want all 4", len(parts))
	}
	if _, err := os.Stat(filepath.Join(out, "events")); err == nil {
		t.Error("events/ written with --kafka")
	}
	for _, src := range []string{"transactions", "users"} {
		g, w := fileLines(t, filepath.Join(out, src)), fileLines(t, filepath.Join(files, src))
		if len(w) == 0 || !slices.Equal(g, w) {
			t.Errorf("%s: %d lines written with --kafka, %d without", src, len(g), len(w))
		}
	}

	// Again over the same files: refused before any message is produced.
	if code, _, stderr := elt(t, kafka...); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("generating over existing files: exit %d, %s", code, stderr)
	}
	if n := len(topicRecords(t, k.Addr(), "events")); n != len(wantEvents) {
		t.Fatalf("the refused run left %d messages, want %d", n, len(wantEvents))
	}
	// An existing topic keeps its partitions.
	again := mustElt(t, "--project", proj, "generate", "--kafka", k.Addr(), "--topic", "events", "--out", t.TempDir(), "--events", "10", "--users", "5", "--days", "1")
	if !strings.Contains(again, "produced 10 events to the existing topic events (4 partitions)") {
		t.Errorf("elt generate to the existing topic said %q", again)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no topic", []string{"--kafka", k.Addr()}, 2, "--kafka needs --topic"},
		{"topic alone", []string{"--topic", "events"}, 2, "--topic and --partitions go with --kafka"},
		{"no broker", []string{"--kafka", " , ", "--topic", "events"}, 2, "--kafka lists no broker"},
		{"no partitions", []string{"--kafka", k.Addr(), "--topic", "events", "--partitions", "0"}, 2, "--partitions is at least 1"},
		{"unreachable", []string{"--kafka", "127.0.0.1:1", "--topic", "events"}, 1, "cannot reach the Kafka brokers 127.0.0.1:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "b")
			code, _, stderr := elt(t, append([]string{"--project", proj, "generate", "--out", dir, "--events", "10", "--users", "5", "--days", "1"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, %s; want exit %d saying %q", code, stderr, tc.code, tc.want)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("a refused generate wrote %s", dir)
			}
		})
	}
}

// TestGenerateToKafkaFilesOnS3: with --kafka, an s3:// --out receives the
// other sources' objects, and no events/ object; the events are messages.
func TestGenerateToKafkaFilesOnS3(t *testing.T) {
	testutil.StartS3(t, "kafka-generate")
	k := testutil.StartKafka(t, 2, "events")
	proj := minimalProject(t, t.TempDir())
	said := mustElt(t, "--project", proj, "generate", "--kafka", k.Addr(), "--topic", "events", "--out", "s3://kafka-generate/bronze",
		"--events", "300", "--users", "10", "--days", "1")
	if !strings.Contains(said, "produced 300 events to the existing topic events (2 partitions)") {
		t.Fatalf("elt generate said %q", said)
	}
	if n := len(topicRecords(t, k.Addr(), "events")); n != 300 {
		t.Fatalf("the topic holds %d messages, want 300", n)
	}
	ctx := context.Background()
	store, err := lake.Connect(ctx, lake.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	prefix, _ := lake.Parse("s3://kafka-generate/bronze")
	objs, err := store.List(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		keys = append(keys, strings.TrimPrefix(o.Key, "bronze/"))
	}
	slices.Sort(keys)
	want := []string{"transactions/dt=2026-11-01/part-0001.csv", "transactions/dt=2026-11-02/part-0002.csv",
		"users/dt=2026-10-31/part-0001.csv", "users/dt=2026-11-01/part-0001.csv"}
	if !slices.Equal(keys, want) {
		t.Fatalf("objects %v, want %v", keys, want)
	}
}
