package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// The conformance cases' events read from a Kafka topic instead of files:
// silver, gold and the quarantine must equal the files-only build's (the
// file and line of a record aside: a message's are its partition and
// offset), whether the topic is built whole or in 20 micro-batches.

// kafkaProject is the conformance project with its events source reading
// topic on the brokers at addr.
func kafkaProject(t *testing.T, addr, topic string) string {
	t.Helper()
	proj := conformanceProject(t)
	testutil.UseTopic(t, proj, addr, topic)
	return proj
}

// ndjsonLines are the records of an NDJSON file as the contract splits
// them: its byte-order mark dropped, lines broken at LF, CRLF or a lone
// CR, blank lines left out.
func ndjsonLines(data []byte) [][]byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	var out [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.Trim(l, " \t\v\f")) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// eventMessages are a case's event files as messages over partitions:
// file i's lines go to partition i mod partitions, in order, and the files
// are interleaved a line at a time.
func eventMessages(t *testing.T, dir string, topic string, partitions int) []*kgo.Record {
	t.Helper()
	var files [][][]byte
	for _, rel := range testutil.Arrivals(t, filepath.Join(dir, "bronze")) {
		if !strings.HasPrefix(rel, "events/") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, "bronze", rel))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, ndjsonLines(data))
	}
	var out []*kgo.Record
	for k := 0; ; k++ {
		more := false
		for i, lines := range files {
			if k < len(lines) {
				out = append(out, &kgo.Record{Topic: topic, Partition: int32(i % partitions), Value: lines[k]})
				more = true
			}
		}
		if !more {
			return out
		}
	}
}

// produce writes records to the cluster, in order per partition.
func produce(t *testing.T, addr string, recs []*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// withoutFiles copies a case's bronze leaving the events out.
func withoutEvents(t *testing.T, dir string) string {
	t.Helper()
	bronze := filepath.Join(t.TempDir(), "bronze")
	for _, src := range []string{"transactions", "users"} {
		testutil.CopyTree(t, filepath.Join(dir, "bronze", src), filepath.Join(bronze, src))
	}
	return bronze
}

// comparable reads what must not depend on where the events came from:
// silver and gold without file and line, the quarantine without them, and
// the counts by source.
func comparable(t *testing.T, p *project.Project) map[string]string {
	t.Helper()
	db, err := state.Open(context.Background(), p, state.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	for name, q := range map[string]string{
		"silver.events":       "SELECT * EXCLUDE (source_file, source_line) FROM silver.events ORDER BY ALL",
		"silver.transactions": "SELECT * EXCLUDE (source_file, source_line) FROM silver.transactions ORDER BY ALL",
		"silver.users":        "SELECT * EXCLUDE (source_file, source_line) FROM silver.users ORDER BY ALL",
		"gold":                "SELECT * FROM gold.user_session_analysis ORDER BY ALL",
		"quarantine":          "SELECT source, reason, raw FROM silver.quarantine ORDER BY ALL",
		"counts": `SELECT 'events' AS what, (SELECT count(*) FROM bronze.events) AS a, (SELECT count(*) FROM silver.events) AS b
			UNION ALL SELECT 'quarantine', count(*), count(DISTINCT reason) FROM silver.quarantine
			UNION ALL SELECT 'read', read, silver + superseded + quarantined FROM elt.reconciliations
				WHERE source = 'events' AND balanced AND run_id = (SELECT max(run_id) FROM elt.reconciliations)`,
	} {
		out[name] = queryCSV(t, db, q)
	}
	return out
}

// TestKafkaConformance builds cases 01 and 05 with their events on a
// 3-partition topic, whole and in 20 micro-batches, against the files-only
// build.
func TestKafkaConformance(t *testing.T) {
	for _, name := range []string{"01-clean", "05-real-files"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(testutil.RepoRoot(t), "testdata", "conformance", name)
			files := loadProject(t, conformanceProject(t), filepath.Join(dir, "bronze"), filepath.Join(t.TempDir(), "w.duckdb"))
			mustBuild(t, files, Options{})
			want := comparable(t, files)
			// The files build's reconciliation counts lines as read.
			want["counts"] = ""

			for _, batches := range []int{1, 20} {
				t.Run(fmt.Sprintf("%d batches", batches), func(t *testing.T) {
					addr := testutil.StartKafka(t, 3, "events").Addr()
					p := loadProject(t, kafkaProject(t, addr, "events"), withoutEvents(t, dir), filepath.Join(t.TempDir(), "w.duckdb"))
					msgs := eventMessages(t, dir, "events", 3)
					gated := 0
					for i := range batches {
						produce(t, addr, msgs[i*len(msgs)/batches:(i+1)*len(msgs)/batches])
						// A gate may block a build of a part of the events (too
						// many sessions without a user yet): its messages are
						// read again by the next build, as in elt watch.
						b := newBuilder(t, p)
						_, err := b.Run(context.Background(), Options{})
						var blocked *ChecksFailed
						if errors.As(err, &blocked) && i < batches-1 {
							gated++
						} else if err != nil {
							t.Fatalf("batch %d: %v", i, err)
						}
						b.DB.Close()
					}
					// Nothing new: a build reads no message.
					if sum := mustBuild(t, p, Options{}); sum.Ingest[0].Records != 0 {
						t.Errorf("a build with nothing new read %d messages", sum.Ingest[0].Records)
					}
					got := comparable(t, p)
					counts := got["counts"]
					got["counts"] = ""
					for k := range want {
						if got[k] != want[k] {
							t.Errorf("%s differs from the files-only build:\n%s", k, testutil.Diff("files", want[k], "kafka", got[k]))
						}
					}
					t.Logf("%d messages, %d builds blocked by a gate and read again; counts (source, bronze, silver / quarantine, records, reasons / read, accounted):\n%s", len(msgs), gated, counts)
					lines := strings.Split(strings.TrimSpace(counts), "\n")
					if len(lines) != 4 {
						t.Fatalf("counts: %q", counts)
					}
					var read, accounted int64
					fmt.Sscanf(lines[3], "read,%d,%d", &read, &accounted)
					if read != int64(len(msgs)) || accounted != read {
						t.Errorf("reconciliation: %d read, %d accounted for, of %d messages produced", read, accounted, len(msgs))
					}
				})
			}
		})
	}
}

// TestKafkaAbortedTransactions: a transactional producer aborts every third
// transaction, and leaves its last one open while a build runs: bronze gets
// every committed message and no aborted or uncommitted one; the open one
// is read by the build after its commit.
func TestKafkaAbortedTransactions(t *testing.T) {
	k := testutil.StartKafka(t, 3, "events")
	p := loadProject(t, kafkaProject(t, k.Addr(), "events"), withoutEvents(t, filepath.Join(testutil.RepoRoot(t), "testdata", "conformance", "01-clean")),
		filepath.Join(t.TempDir(), "w.duckdb"))
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addr()), kgo.TransactionalID("elt-test"), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.DefaultProduceTopic("events"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	event := func(txn, i int) []byte {
		return fmt.Appendf(nil, `{"event_id":"e%d-%d","session_id":"s%d","user_id":"u%d","event_type":"page_view","event_timestamp":"2026-11-01T10:%02d:%02dZ"}`,
			txn, i, txn, txn%7, txn%60, i)
	}
	committed := map[string]bool{}
	write := func(txn int, end kgo.TransactionEndTry) {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			v := event(txn, i)
			if err := cl.ProduceSync(ctx, &kgo.Record{Partition: int32((txn + i) % 3), Value: v}).FirstErr(); err != nil {
				t.Fatal(err)
			}
			if end == kgo.TryCommit {
				committed[fmt.Sprintf("e%d-%d", txn, i)] = true
			}
		}
		if err := cl.EndTransaction(ctx, end); err != nil {
			t.Fatal(err)
		}
	}
	for txn := range 30 {
		end := kgo.TryCommit
		if txn%3 == 2 {
			end = kgo.TryAbort
		}
		write(txn, end)
	}
	// One more, left open while the build runs.
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Partition: 0, Value: event(99, 0)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	ids := func() map[string]bool {
		db, err := state.Open(ctx, p, state.ReadOnly)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.QueryContext(ctx, "SELECT event_id FROM bronze.events")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var id string
			rows.Scan(&id)
			if out[id] {
				t.Errorf("%s is in bronze twice", id)
			}
			out[id] = true
		}
		return out
	}
	sum := mustBuild(t, p, Options{})
	got := ids()
	var read int64 = -1
	for _, r := range sum.Ingest {
		if r.Source == "events" {
			read = r.Records
		}
	}
	if read != int64(len(committed)) || len(got) != len(committed) {
		t.Errorf("read %d messages into %d bronze rows, want the %d committed", read, len(got), len(committed))
	}
	for id := range got {
		if !committed[id] {
			t.Errorf("%s, of an aborted or open transaction, is in bronze", id)
		}
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	mustBuild(t, p, Options{})
	if got := ids(); !got["e99-0"] || len(got) != len(committed)+1 {
		t.Errorf("after the open transaction committed: %d rows (e99-0 there: %v), want %d", len(got), got["e99-0"], len(committed)+1)
	}
	t.Logf("30 transactions of 5 messages, every third aborted: %d committed messages in bronze, none aborted; the open one read after its commit", len(committed))
}
