package stream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// cluster starts an in-process Kafka cluster (kfake, three brokers on
// loopback) with the topic of the given partitions.
func cluster(t *testing.T, topic string, partitions int) []string {
	t.Helper()
	_, addrs := kcluster(t, topic, partitions)
	return addrs
}

func kcluster(t *testing.T, topic string, partitions int) (*kfake.Cluster, []string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(int32(partitions), topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()
}

// client is a producing and administering client; with a transactional id,
// a transactional producer.
func client(t *testing.T, addrs []string, txnID string) (*kgo.Client, *kadm.Client) {
	t.Helper()
	opts := []kgo.Opt{kgo.SeedBrokers(addrs...), kgo.RecordPartitioner(kgo.ManualPartitioner())}
	if txnID != "" {
		opts = append(opts, kgo.TransactionalID(txnID))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl, kadm.NewClient(cl)
}

// produce writes the records in order and returns them with their offsets.
func produce(t *testing.T, cl *kgo.Client, recs ...*kgo.Record) []*kgo.Record {
	t.Helper()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return recs
}

func rec(topic string, p int32, value string) *kgo.Record {
	return &kgo.Record{Topic: topic, Partition: p, Key: []byte("k-" + value), Value: []byte(value),
		Timestamp: time.UnixMilli(1_700_000_000_000 + int64(len(value)))}
}

func open(t *testing.T, addrs []string, topic string) *Reader {
	t.Helper()
	r, err := Open(context.Background(), Config{Brokers: addrs, Topic: topic, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// readAll reads the batch within a deadline (a read that does not end is a
// failure, not a hung test) and returns what it emitted and next.
func readAll(t *testing.T, r *Reader, b Batch) ([]Record, map[int32]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []Record
	next, err := r.Read(ctx, b, func(rec Record) error { got = append(got, rec); return nil })
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return got, next
}

func plan(t *testing.T, r *Reader, pos Position, start, reset Start) Batch {
	t.Helper()
	b, err := r.Plan(context.Background(), pos, start, reset)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	return b
}

// want is the records expected, sorted by partition then offset.
func want(recs []*kgo.Record) []Record {
	var out []Record
	for _, r := range recs {
		out = append(out, Record{Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp})
	}
	slices.SortFunc(out, func(a, b Record) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return out
}

func sameRecords(t *testing.T, got, want []Record) {
	t.Helper()
	show := func(rs []Record) string {
		var s []string
		for _, r := range rs {
			s = append(s, fmt.Sprintf("%d/%d=%s", r.Partition, r.Offset, r.Value))
		}
		return strings.Join(s, " ")
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d\n got: %s\nwant: %s", len(got), len(want), show(got), show(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Partition != w.Partition || g.Offset != w.Offset || string(g.Key) != string(w.Key) ||
			string(g.Value) != string(w.Value) || !g.Timestamp.Equal(w.Timestamp) {
			t.Fatalf("record %d: got %d/%d %q=%q at %s, want %d/%d %q=%q at %s\n got: %s\nwant: %s", i,
				g.Partition, g.Offset, g.Key, g.Value, g.Timestamp, w.Partition, w.Offset, w.Key, w.Value, w.Timestamp, show(got), show(want))
		}
	}
}

// fetchSizes runs a test with the default fetch size and with fetches of
// one byte, which return one batch each, so a partition takes many fetches.
var fetchSizes = []struct {
	name  string
	bytes int32
}{{"default fetch", 0}, {"1-byte fetches", 1}}

// TestReadInOrder: a batch reads exactly the messages produced, in
// partition then offset order, with their keys and timestamps; the batch
// after it reads nothing; after more are produced, only those.
func TestReadInOrder(t *testing.T) {
	for _, fs := range fetchSizes {
		t.Run(fs.name, func(t *testing.T) {
			addrs := cluster(t, "events", 3)
			cl, _ := client(t, addrs, "")
			var sent []*kgo.Record
			for i := range 5 {
				for p := range int32(3) {
					// One ProduceSync per record: five batches per partition.
					sent = append(sent, produce(t, cl, rec("events", p, fmt.Sprintf("p%d-m%d", p, i)))...)
				}
			}
			r := open(t, addrs, "events")
			r.fetchBytes = fs.bytes

			b := plan(t, r, Position{}, Earliest, 0)
			if len(b.Ranges) != 3 || b.TopicID == "" {
				t.Fatalf("batch %+v: want 3 partitions and the topic's id", b)
			}
			got, next := readAll(t, r, b)
			sameRecords(t, got, want(sent))
			if !sameNext(next, map[int32]int64{0: 5, 1: 5, 2: 5}) {
				t.Fatalf("next = %v, want 5 for each partition", next)
			}

			pos := Position{TopicID: b.TopicID, Offsets: next}
			b = plan(t, r, pos, Earliest, 0)
			if !b.Empty() {
				t.Fatalf("the batch after reading everything is %+v, want empty", b.Ranges)
			}
			got, next2 := readAll(t, r, b)
			if len(got) != 0 || !sameNext(next2, next) {
				t.Fatalf("an empty batch read %d records, next %v; want none, %v", len(got), next2, next)
			}

			// An error from emit stops the read and comes back as it is.
			stop := errors.New("stop")
			seen := 0
			_, err := r.Read(context.Background(), plan(t, r, Position{}, Earliest, 0), func(Record) error {
				if seen++; seen == 7 {
					return stop
				}
				return nil
			})
			if err != stop || seen != 7 {
				t.Fatalf("emit's error after %d records: Read returned %v, want it as it is after 7", seen, err)
			}

			more := produce(t, cl, rec("events", 2, "late-2a"), rec("events", 0, "late-0"), rec("events", 2, "late-2b"))
			got, next = readAll(t, r, plan(t, r, pos, Earliest, 0))
			sameRecords(t, got, want(more))
			if !sameNext(next, map[int32]int64{0: 6, 1: 5, 2: 7}) {
				t.Fatalf("next = %v, want 0:6 1:5 2:7", next)
			}
		})
	}
}

func sameNext(a, b map[int32]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestReadCommitted: of a transactional producer aborting every third
// transaction, with a second producer's transaction left open and a third's
// aborted data just before the end (its abort marker after it), a batch
// reads exactly the committed records below the last stable offset and
// ends there, without waiting for the open transaction; once that one
// commits, the next batch reads it and what followed.
func TestReadCommitted(t *testing.T) {
	for _, fs := range fetchSizes {
		t.Run(fs.name, func(t *testing.T) {
			ctx := context.Background()
			addrs := cluster(t, "tx", 3)
			p1, _ := client(t, addrs, "p1")
			var committed []*kgo.Record
			txn := func(cl *kgo.Client, commit bool, recs ...*kgo.Record) {
				t.Helper()
				if err := cl.BeginTransaction(); err != nil {
					t.Fatal(err)
				}
				produce(t, cl, recs...)
				end := kgo.TryAbort
				if commit {
					end = kgo.TryCommit
					committed = append(committed, recs...)
				}
				if err := cl.EndTransaction(ctx, end); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 9 {
				state := "committed"
				if i%3 == 2 {
					state = "aborted"
				}
				v := func(s string) string { return fmt.Sprintf("t%d-%s-%s", i, s, state) }
				txn(p1, state == "committed", rec("tx", 0, v("a")), rec("tx", 0, v("b")), rec("tx", 1, v("c")), rec("tx", 2, v("d")))
			}

			// pc's data, then pb's (left open), then pc's abort marker:
			// the end of p0 is pb's first offset, and the record just below
			// it is aborted data whose marker lies past the end.
			pc, _ := client(t, addrs, "pc")
			pb, _ := client(t, addrs, "pb")
			if err := pc.BeginTransaction(); err != nil {
				t.Fatal(err)
			}
			aborted := produce(t, pc, rec("tx", 0, "C-aborted"))
			if err := pb.BeginTransaction(); err != nil {
				t.Fatal(err)
			}
			open1 := produce(t, pb, rec("tx", 0, "B-open"), rec("tx", 1, "B-open-1"))
			if err := pc.EndTransaction(ctx, kgo.TryAbort); err != nil {
				t.Fatal(err)
			}
			// Committed after pb's transaction began: past the end on p0 and p1.
			var before []*kgo.Record
			before = append(before, committed...)
			txn(p1, true, rec("tx", 0, "after-0"), rec("tx", 1, "after-1"), rec("tx", 2, "after-2"))
			for _, r := range committed[len(before):] {
				if r.Partition == 2 {
					before = append(before, r)
				}
			}

			r := open(t, addrs, "tx")
			r.fetchBytes = fs.bytes
			b := plan(t, r, Position{}, Earliest, 0)
			if aborted[0].Offset != open1[0].Offset-1 {
				t.Fatalf("the aborted record is at %d, want just below the open transaction's %d", aborted[0].Offset, open1[0].Offset)
			}
			if b.Ranges[0].End != open1[0].Offset || b.Ranges[1].End != open1[1].Offset {
				t.Fatalf("ends %+v: want p0 and p1 to end at the open transaction's offsets %d and %d", b.Ranges, open1[0].Offset, open1[1].Offset)
			}
			got, next := readAll(t, r, b)
			sameRecords(t, got, want(before))
			for _, g := range got {
				if strings.Contains(string(g.Value), "abort") || strings.Contains(string(g.Value), "open") {
					t.Fatalf("read %q, which is not committed", g.Value)
				}
			}

			// pb commits: the next batch reads it and what came after.
			if err := pb.EndTransaction(ctx, kgo.TryCommit); err != nil {
				t.Fatal(err)
			}
			var rest []*kgo.Record
			rest = append(rest, open1...)
			for _, r := range committed[len(committed)-3:] {
				if r.Partition != 2 {
					rest = append(rest, r)
				}
			}
			got, _ = readAll(t, r, plan(t, r, Position{TopicID: b.TopicID, Offsets: next}, Earliest, 0))
			sameRecords(t, got, want(rest))
		})
	}
}

// TestOffsetGone: a stored offset below the log start (records deleted) or
// past the end is an *OffsetError naming the partition, the offset and the
// bounds, from Plan and, when it happens during a read, from Read; a reset
// starts that partition at the log start or the end, and leaves the others
// where they were.
func TestOffsetGone(t *testing.T) {
	ctx := context.Background()
	addrs := cluster(t, "events", 3)
	cl, adm := client(t, addrs, "")
	var sent []*kgo.Record
	for i := range 10 {
		for p := range int32(3) {
			sent = append(sent, rec("events", p, fmt.Sprintf("p%d-m%d", p, i)))
		}
	}
	produce(t, cl, sent...)
	r := open(t, addrs, "events")
	b := plan(t, r, Position{}, Earliest, 0)
	stored := Position{TopicID: b.TopicID, Offsets: map[int32]int64{0: 2, 1: 3, 2: 10}}
	early := plan(t, r, stored, Earliest, 0) // planned before the deletion

	os := kadm.Offsets{}
	os.Add(kadm.Offset{Topic: "events", Partition: 1, At: 6})
	if _, err := adm.DeleteRecords(ctx, os); err != nil {
		t.Fatal(err)
	}

	_, err := r.Plan(ctx, stored, Earliest, 0)
	var oe *OffsetError
	if !errors.As(err, &oe) {
		t.Fatalf("Plan after the deletion: %v, want an *OffsetError", err)
	}
	if oe.Reason != Retention || oe.Partition != 1 || oe.Stored != 3 || oe.LogStart != 6 {
		t.Fatalf("got %+v, want partition 1, stored 3, log start 6, retention", oe)
	}
	for _, s := range []string{"topic events partition 1", "to read, 3,", "starts at offset 6", "from 3 to 5", "--reset-offsets earliest", "--reset-offsets latest"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q does not say %q", err, s)
		}
	}

	// The same, found by the read of a batch planned before the deletion.
	_, err = r.Read(ctx, early, func(Record) error { return nil })
	if !errors.As(err, &oe) || oe.Reason != Retention || oe.Partition != 1 || oe.Stored != 3 || oe.LogStart != 6 {
		t.Fatalf("Read of a batch planned before the deletion: %v, want retention at partition 1, offset 3, log start 6", err)
	}

	for _, tc := range []struct {
		reset Start
		from  int64
	}{{Earliest, 6}, {Latest, 10}} {
		b := plan(t, r, stored, Earliest, tc.reset)
		want := []Range{{0, 2, 10}, {1, tc.from, 10}, {2, 10, 10}}
		if !slices.Equal(b.Ranges, want) {
			t.Errorf("reset %s: ranges %v, want %v", tc.reset, b.Ranges, want)
		}
		if len(b.Reset) != 1 || b.Reset[0].Partition != 1 || b.Reset[0].Stored != 3 {
			t.Errorf("reset %s: Reset = %v, want partition 1's offset 3", tc.reset, b.Reset)
		}
	}
	got, _ := readAll(t, r, plan(t, r, stored, Earliest, Earliest))
	var vals []string
	for _, g := range got {
		if g.Partition == 1 {
			vals = append(vals, string(g.Value))
		}
	}
	if strings.Join(vals, " ") != "p1-m6 p1-m7 p1-m8 p1-m9" {
		t.Errorf("after the reset partition 1 read %v, want p1-m6..9", vals)
	}

	// Past the end.
	_, err = r.Plan(ctx, Position{TopicID: b.TopicID, Offsets: map[int32]int64{0: 10, 1: 10, 2: 42}}, Earliest, 0)
	if !errors.As(err, &oe) || oe.Reason != Truncated || oe.Partition != 2 || oe.Stored != 42 || oe.End != 10 ||
		!strings.Contains(err.Error(), "42, is past the partition's end, 10") {
		t.Fatalf("a stored offset past the end: %v, want truncated at partition 2, 42 past 10", err)
	}
}

// TestRecreated: a topic deleted and created again has another id: Plan
// and a Read of a batch planned before say it was recreated; a reset reads
// the new topic from its start.
func TestRecreated(t *testing.T) {
	ctx := context.Background()
	addrs := cluster(t, "events", 2)
	cl, adm := client(t, addrs, "")
	produce(t, cl, rec("events", 0, "old-0"), rec("events", 1, "old-1"), rec("events", 1, "old-1b"))
	r := open(t, addrs, "events")
	b := plan(t, r, Position{}, Earliest, 0)
	_, next := readAll(t, r, b)
	stored := Position{TopicID: b.TopicID, Offsets: next}
	produce(t, cl, rec("events", 0, "old-unread"))
	unread := plan(t, r, stored, Earliest, 0)

	if _, err := adm.DeleteTopics(ctx, "events"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "events"); err != nil {
		t.Fatal(err)
	}
	cl2, _ := client(t, addrs, "") // the old client keeps the old topic id
	fresh := produce(t, cl2, rec("events", 1, "new-1"))

	_, err := r.Plan(ctx, stored, Earliest, 0)
	var oe *OffsetError
	if !errors.As(err, &oe) || oe.Reason != Recreated || oe.StoredID != b.TopicID || oe.TopicID == b.TopicID || oe.TopicID == "" {
		t.Fatalf("Plan after recreation: %v, want recreated, from id %s to another", err, b.TopicID)
	}
	for _, s := range []string{"topic events was deleted and recreated", b.TopicID, oe.TopicID, "--reset-offsets earliest"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q does not say %q", err, s)
		}
	}

	_, err = r.Read(ctx, unread, func(Record) error { return nil })
	if !errors.As(err, &oe) || oe.Reason != Recreated {
		t.Fatalf("Read of a batch planned before recreation: %v, want recreated", err)
	}

	// Without the id stored, a partition read before and gone says it.
	_, err = r.Plan(ctx, Position{Offsets: map[int32]int64{0: 0, 1: 0, 5: 3}}, Earliest, 0)
	if !errors.As(err, &oe) || oe.Reason != Recreated || oe.Partition != 5 ||
		!strings.Contains(err.Error(), "topic events partition 5, read before up to offset 3, no longer exists") {
		t.Fatalf("a stored partition gone: %v, want recreated at partition 5", err)
	}

	b2 := plan(t, r, stored, Latest, Earliest)
	if len(b2.Reset) != 1 || b2.Reset[0].Reason != Recreated || b2.TopicID == b.TopicID {
		t.Fatalf("reset: Reset %v, id %s; want the recreation and the new id", b2.Reset, b2.TopicID)
	}
	got, _ := readAll(t, r, b2)
	sameRecords(t, got, want(fresh))
}

// TestPartitionAdded: a partition added after a batch starts at start:
// earliest reads it whole, latest from its end.
func TestPartitionAdded(t *testing.T) {
	ctx := context.Background()
	addrs := cluster(t, "events", 2)
	cl, adm := client(t, addrs, "")
	produce(t, cl, rec("events", 0, "a"), rec("events", 1, "b"))
	r := open(t, addrs, "events")
	b := plan(t, r, Position{}, Earliest, 0)
	_, next := readAll(t, r, b)
	stored := Position{TopicID: b.TopicID, Offsets: next}

	if _, err := adm.CreatePartitions(ctx, 1, "events"); err != nil {
		t.Fatal(err)
	}
	cl2, _ := client(t, addrs, "") // one that learns of partition 2
	added := produce(t, cl2, rec("events", 2, "c0"), rec("events", 2, "c1"), rec("events", 0, "a2"))

	got, next := readAll(t, r, plan(t, r, stored, Earliest, 0))
	sameRecords(t, got, want(added))
	if next[2] != 2 {
		t.Fatalf("next = %v, want partition 2 at 2", next)
	}

	b = plan(t, r, stored, Latest, 0)
	want := []Range{{0, 1, 2}, {1, 1, 1}, {2, 2, 2}}
	if !slices.Equal(b.Ranges, want) {
		t.Fatalf("start latest: %v, want %v", b.Ranges, want)
	}
}

// TestOpenErrors: brokers that refuse or never answer, and a topic that
// does not exist, are plain errors, quickly.
func TestOpenErrors(t *testing.T) {
	// A port with nothing listening.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := l.Addr().String()
	l.Close()

	// A listener that accepts and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()

	addrs := cluster(t, "events", 1)
	for _, tc := range []struct {
		name, broker, topic, want string
	}{
		{"refused", refused, "events", "cannot reach the Kafka brokers " + refused + ": "},
		{"silent", silent.Addr().String(), "events", "cannot reach the Kafka brokers " + silent.Addr().String() + ": "},
		{"no topic", addrs[0], "nope", "topic nope does not exist on the Kafka brokers " + addrs[0]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Now()
			r, err := Open(context.Background(), Config{Brokers: []string{tc.broker}, Topic: tc.topic, DialTimeout: 500 * time.Millisecond})
			if err == nil {
				r.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
			if d := time.Since(t0); d > 3*time.Second {
				t.Fatalf("Open took %s", d)
			}
			t.Logf("%s in %s", err, time.Since(t0).Round(time.Millisecond))
		})
	}
}

// TestLeaderMoved: when a partition's leader moves between the plan and the
// read, or a broker answers that it is not the leader, Read asks for the
// metadata again and goes on, reading every record once.
func TestLeaderMoved(t *testing.T) {
	c, addrs := kcluster(t, "events", 3)
	cl, _ := client(t, addrs, "")
	var sent []*kgo.Record
	for i := range 4 {
		for p := range int32(3) {
			sent = append(sent, rec("events", p, fmt.Sprintf("p%d-m%d", p, i)))
		}
	}
	produce(t, cl, sent...)
	r := open(t, addrs, "events")
	b := plan(t, r, Position{}, Earliest, 0)
	for p := range int32(3) {
		to := (c.LeaderFor("events", p) + 1) % 3
		if err := c.MoveTopicPartition("events", p, to); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := readAll(t, r, b)
	sameRecords(t, got, want(sent))
	// The first fetch went to partition 0's old leader; the metadata asked
	// for then gave every partition's new one.
	if r.retries != 1 {
		t.Fatalf("%d fetches retried, want 1", r.retries)
	}

	// And one fetch answered "not the leader" by the right broker.
	injected := 0
	c.ControlKey(1, func(req kmsg.Request) (kmsg.Response, error, bool) {
		f := req.(*kmsg.FetchRequest)
		resp := f.ResponseKind().(*kmsg.FetchResponse)
		for _, rt := range f.Topics {
			st := kmsg.NewFetchResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewFetchResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.NotLeaderForPartition.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		injected++
		return resp, nil, true
	})
	got, _ = readAll(t, r, b)
	sameRecords(t, got, want(sent))
	if injected != 1 {
		t.Fatalf("the injected error was returned %d times, want 1", injected)
	}
	if r.retries != 2 {
		t.Fatalf("%d fetches retried in all, want 2", r.retries)
	}
}
