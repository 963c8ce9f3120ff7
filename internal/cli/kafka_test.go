package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestKafkaRetentionReset: messages removed before a build read them
// (retention, or deleted records) stop the build with a message saying
// which and how to go on; --reset-offsets earliest goes on from the oldest
// message kept, says what was lost, and the run history keeps it.
func TestKafkaRetentionReset(t *testing.T) {
	k := testutil.StartKafka(t, 3, "events")
	proj := copyProject(t, repoRoot(t), t.TempDir())
	testutil.UseTopic(t, proj, k.Addr(), "events")
	base := []string{"--project", proj}
	mustElt(t, append(base, "generate", "--dirty", "0", "--kafka", k.Addr(), "--topic", "events", "--events", "3000", "--users", "30", "--days", "2")...)
	mustElt(t, append(base, "build")...)
	counts := func() string {
		return mustElt(t, append(base, "query", "--format", "csv", `SELECT (SELECT count(*) FROM bronze.events) + (SELECT count(*) FROM silver.quarantine WHERE source = 'events'),
			(SELECT sum(records) FROM elt.stream_batches)`)...)
	}
	before := counts()

	// Three messages land on partition 1 and are deleted before a build
	// reads them.
	event := func(id string) []byte {
		return fmt.Appendf(nil, `{"event_id":%q,"session_id":"s-late","user_id":"u1","event_type":"page_view","event_timestamp":"2026-11-02T10:00:00Z"}`, id)
	}
	offs := k.Produce(t, "events", 1, event("lost-1"), event("lost-2"), event("lost-3"))
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var del kadm.Offsets
	del.Add(kadm.Offset{Topic: "events", Partition: 1, At: offs[2] + 1})
	if _, err := kadm.NewClient(cl).DeleteRecords(context.Background(), del); err != nil {
		t.Fatal(err)
	}
	code, _, errs := elt(t, append(base, "build")...)
	for _, want := range []string{"topic events partition 1", fmt.Sprintf("the messages from %d to %d were removed", offs[0], offs[2]), "--reset-offsets earliest", "--reset-offsets latest"} {
		if code != 1 || !strings.Contains(errs, want) {
			t.Fatalf("a build after unread messages were deleted: exit %d, want 1 and %q in:\n%s", code, want, errs)
		}
	}
	refused := errs
	if got := counts(); got != before {
		t.Fatalf("the refused build changed the warehouse:\nbefore %safter  %s", before, got)
	}
	if code, _, errs := elt(t, append(base, "build", "--reset-offsets", "oldest")...); code != 2 || !strings.Contains(errs, "use earliest") {
		t.Fatalf("--reset-offsets oldest: exit %d, want 2 (usage):\n%s", code, errs)
	}

	k.Produce(t, "events", 1, event("kept-1"))
	code, out, errs := elt(t, append(base, "build", "--reset-offsets", "earliest")...)
	if code != 0 || !strings.Contains(out+errs, "3 messages lost") {
		t.Fatalf("build --reset-offsets earliest: exit %d, want 0 and the loss said:\n%s%s", code, out, errs)
	}
	runs := mustElt(t, append(base, "query", "--format", "csv", `SELECT r.args, r.status, b.reset FROM elt.runs r JOIN elt.stream_batches b USING (run_id)
		WHERE b.reset IS NOT NULL`)...)
	if !strings.Contains(runs, "build --reset-offsets earliest,success,--reset-offsets earliest: topic events partition 1: offsets") ||
		!strings.Contains(runs, "(3 messages lost)") {
		t.Errorf("elt.runs and elt.stream_batches do not keep the reset:\n%s", runs)
	}
	ids := mustElt(t, append(base, "query", "--format", "csv", `SELECT event_id FROM bronze.events WHERE event_id LIKE 'lost-%' OR event_id LIKE 'kept-%'`)...)
	if ids != "event_id\nkept-1\n" {
		t.Errorf("after the reset, bronze holds %q of the late messages, want kept-1 only", ids)
	}
	// A full refresh would lose what the topic no longer keeps: refused,
	// unless the loss is accepted.
	code, _, errs = elt(t, append(base, "build", "--full-refresh")...)
	if code != 1 || !strings.Contains(errs, fmt.Sprintf("kafka://events/1: offsets 0 to %d, no longer kept", offs[2])) || !strings.Contains(errs, "--accept-missing") {
		t.Fatalf("build --full-refresh after messages were deleted: exit %d, want 1 naming what would be lost:\n%s", code, errs)
	}
	mustElt(t, append(base, "build", "--full-refresh", "--accept-missing")...)
	if ids := mustElt(t, append(base, "query", "--format", "csv", `SELECT count(*) FROM bronze.events WHERE _kafka_partition = 1`)...); ids != "count_star()\n1\n" {
		t.Errorf("after a full refresh, partition 1 has %q rows in bronze, want only the one kept", ids)
	}
	t.Logf("refused: %s\nthen, with --reset-offsets earliest: %s\nkept in the run history:\n%s", strings.TrimSpace(refused), strings.TrimSpace(out+errs), runs)
}

// TestKafkaProjectCommands: the commands that read a project work on one
// whose events come from a topic, and say where they come from.
func TestKafkaProjectCommands(t *testing.T) {
	k := testutil.StartKafka(t, 3, "events")
	proj := copyProject(t, repoRoot(t), t.TempDir())
	testutil.UseTopic(t, proj, k.Addr(), "events")
	base := []string{"--project", proj}
	mustElt(t, append(base, "generate", "--dirty", "0", "--kafka", k.Addr(), "--topic", "events", "--events", "500", "--users", "10", "--days", "1")...)
	mustElt(t, append(base, "build")...)
	for _, args := range [][]string{{"ls"}, {"compile"}, {"ddl"}, {"test"}, {"docs"}, {"show", "silver.events", "--limit", "1"}} {
		code, out, errs := elt(t, append(base, args...)...)
		t.Logf("elt %s: exit %d\n%s%s", strings.Join(args, " "), code, firstLines(out, 12), errs)
		if code != 0 {
			t.Errorf("elt %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		if args[0] == "ls" && !strings.Contains(out, "kafka://events") {
			t.Errorf("elt ls does not say the events come from kafka://events:\n%s", out)
		}
	}
	// A message's key, partition, offset and timestamp are in bronze.
	out := mustElt(t, append(base, "query", "--format", "csv", `SELECT count(_kafka_key) > count(*) / 2, count(DISTINCT _kafka_partition),
		bool_and(_kafka_offset = _line AND _file = 'kafka://events/' || _kafka_partition), max(_kafka_timestamp) > now()::TIMESTAMP - INTERVAL 1 HOUR
		FROM bronze.events`)...)
	if !strings.HasSuffix(out, "\ntrue,3,true,true\n") {
		t.Errorf("bronze.events' Kafka columns:\n%s", out)
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	return strings.Join(lines[:min(n, len(lines))], "")
}

// TestKafkaStartLatest: with start: latest, a source never read begins at
// the end; but a full refresh re-reads the topic from its oldest message,
// and a partition added later is read from its first message, so nothing
// that arrived after the source began is lost. Naming another topic is
// refused until said what to do with what was read; a key that is not text
// is kept escaped, its message loaded.
func TestKafkaStartLatest(t *testing.T) {
	k := testutil.StartKafka(t, 1, "events", "other")
	proj := copyProject(t, repoRoot(t), t.TempDir())
	testutil.UseTopic(t, proj, k.Addr(), "events")
	cfg := filepath.Join(proj, "elt.yaml")
	text, _ := os.ReadFile(cfg)
	testutil.WriteFile(t, cfg, strings.Replace(string(text), "topic: events}", "topic: events, start: latest}", 1))
	base := []string{"--project", proj}
	mustElt(t, append(base, "generate", "--dirty", "0", "--events", "200", "--users", "5", "--days", "1")...)
	if err := os.RemoveAll(filepath.Join(proj, "data", "bronze", "events")); err != nil {
		t.Fatal(err)
	}
	event := func(id string) []byte {
		return fmt.Appendf(nil, `{"event_id":%q,"session_id":"s1","user_id":"u1","event_type":"page_view","event_timestamp":"2026-11-02T10:00:00Z"}`, id)
	}
	k.Produce(t, "events", 0, event("before"))
	mustElt(t, append(base, "build")...)
	ids := func() string {
		return mustElt(t, append(base, "query", "--format", "csv", "SELECT string_agg(event_id, ' ' ORDER BY event_id) AS ids FROM bronze.events")...)
	}
	if got := ids(); got != "ids\n\n" {
		t.Fatalf("start: latest read %q before it began", got)
	}
	k.Produce(t, "events", 0, event("a"))
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreatePartitions(context.Background(), 1, "events"); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "events", Partition: 1, Key: []byte{0, 1, 0xff}, Value: event("p1")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	mustElt(t, append(base, "build")...)
	if got := ids(); got != "ids\na p1\n" {
		t.Errorf("after a partition was added: bronze holds %q, want a and p1", got)
	}
	if key := mustElt(t, append(base, "query", "--format", "csv", "SELECT _kafka_key FROM bronze.events WHERE event_id = 'p1'")...); key != "_kafka_key\n\\x00\x01\\xFF\n" {
		t.Errorf("a key that is not text: %q", key)
	}
	mustElt(t, append(base, "build", "--full-refresh")...)
	if got := ids(); got != "ids\na before p1\n" {
		t.Errorf("after a full refresh: bronze holds %q, want every message the topic keeps", got)
	}
	testutil.WriteFile(t, cfg, strings.Replace(string(text), "topic: events}", "topic: other}", 1))
	if code, _, errs := elt(t, append(base, "build")...); code != 1 || !strings.Contains(errs, "read topic events before, and now names topic other") {
		t.Errorf("another topic named: exit %d\n%s", code, errs)
	}
}
