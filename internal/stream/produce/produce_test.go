package produce

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/digitalservices/elt/internal/stream"
)

// cluster is a 3-broker kfake cluster with the topic, closed with the test.
func cluster(t *testing.T, topic string, partitions int) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(int32(partitions), topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// open is a reader of topic.
func open(t *testing.T, addrs []string, topic string) *stream.Reader {
	t.Helper()
	r, err := stream.Open(context.Background(), stream.Config{Brokers: addrs, Topic: topic, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// plan is the reader's next batch.
func plan(t *testing.T, r *stream.Reader, pos stream.Position, start, reset stream.Start) stream.Batch {
	t.Helper()
	b, err := r.Plan(context.Background(), pos, start, reset)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	return b
}

// readAll reads the batch.
func readAll(t *testing.T, r *stream.Reader, b stream.Batch) ([]stream.Record, map[int32]int64) {
	t.Helper()
	var got []stream.Record
	next, err := r.Read(context.Background(), b, func(rec stream.Record) error { got = append(got, rec); return nil })
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return got, next
}

func openProducer(t *testing.T, addrs []string, topic string) *Producer {
	t.Helper()
	p, err := OpenProducer(context.Background(), stream.Config{Brokers: addrs, Topic: topic, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// TestProduceInOrder: the messages Produce writes are read back, each
// partition's in the order given; a message given a partition goes there,
// and a keyed one where Kafka's clients would put its key (every message of
// a key in one partition); a message without key or partition is written
// too.
func TestProduceInOrder(t *testing.T) {
	const parts = 3
	addrs := cluster(t, "events", parts)
	p := openProducer(t, addrs, "events")
	hash := kgo.StickyKeyPartitioner(nil).ForTopic("events")

	var msgs []Message
	wantIn := map[int32][]string{} // each partition's values, in order
	for i := range 40 {
		m := Message{Value: fmt.Appendf(nil, "m%02d", i), Partition: AnyPartition}
		switch i % 4 {
		case 0: // a given partition
			m.Partition = int32(i/4) % parts
		case 3: // no key, no partition: anywhere
		default:
			m.Key = fmt.Appendf(nil, "u%d", i%5)
		}
		msgs = append(msgs, m)
		if i%4 != 3 {
			at := m.Partition
			if at == AnyPartition {
				at = int32(hash.Partition(&kgo.Record{Key: m.Key}, parts))
			}
			wantIn[at] = append(wantIn[at], string(m.Value))
		}
	}
	// In two calls: the second's messages follow the first's.
	if err := p.Produce(context.Background(), msgs[:25]); err != nil {
		t.Fatal(err)
	}
	if err := p.Produce(context.Background(), msgs[25:]); err != nil {
		t.Fatal(err)
	}

	r := open(t, addrs, "events")
	got, _ := readAll(t, r, plan(t, r, stream.Position{}, stream.Earliest, 0))
	if len(got) != len(msgs) {
		t.Fatalf("read %d messages, want %d", len(got), len(msgs))
	}
	keyAt := map[string]int32{}
	gotIn := map[int32][]string{}
	for _, rec := range got {
		v := string(rec.Value)
		var i int
		fmt.Sscanf(v, "m%d", &i)
		if string(rec.Key) != string(msgs[i].Key) {
			t.Errorf("%s: key %q, want %q", v, rec.Key, msgs[i].Key)
		}
		if k := string(rec.Key); k != "" {
			if at, ok := keyAt[k]; ok && at != rec.Partition {
				t.Errorf("key %s in partitions %d and %d", k, at, rec.Partition)
			}
			keyAt[k] = rec.Partition
		}
		if i%4 != 3 {
			gotIn[rec.Partition] = append(gotIn[rec.Partition], v)
		}
	}
	for part := range int32(parts) {
		if g, w := strings.Join(gotIn[part], " "), strings.Join(wantIn[part], " "); g != w {
			t.Errorf("partition %d holds %s, want %s", part, g, w)
		}
	}
}

// TestEnsureTopic: a missing topic is created with the partitions asked
// for; an existing one is kept as it is, and its partitions said.
func TestEnsureTopic(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(2, "old"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	ctx := context.Background()
	for _, tc := range []struct {
		topic       string
		ask, want   int
		wantCreated bool
	}{
		{"new", 4, 4, true},
		{"new", 2, 4, false}, // created by the case before
		{"old", 5, 2, false},
	} {
		t.Run(fmt.Sprintf("%s %d", tc.topic, tc.ask), func(t *testing.T) {
			p := openProducer(t, addrs, tc.topic)
			have, created, err := p.EnsureTopic(ctx, tc.ask)
			if err != nil {
				t.Fatal(err)
			}
			if have != tc.want || created != tc.wantCreated {
				t.Fatalf("EnsureTopic(%d) = %d partitions, created %v; want %d, %v", tc.ask, have, created, tc.want, tc.wantCreated)
			}
			last := int32(tc.want - 1)
			if err := p.Produce(ctx, []Message{{Value: []byte("x"), Partition: last}}); err != nil {
				t.Fatal(err)
			}
			r := open(t, addrs, tc.topic)
			b := plan(t, r, stream.Position{}, stream.Earliest, 0)
			if len(b.Ranges) != tc.want {
				t.Fatalf("the topic has %d partitions, want %d", len(b.Ranges), tc.want)
			}
			if rg := b.Ranges[last]; rg.End == 0 {
				t.Fatalf("partition %d is empty after producing to it", last)
			}
		})
	}
}

// TestProduceErrors: what a person can act on, naming the brokers and the
// topic.
func TestProduceErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := l.Addr().String()
	l.Close()
	addrs := cluster(t, "events", 2)
	ctx := context.Background()

	for _, tc := range []struct {
		name, broker, topic string
		ask                 int       // EnsureTopic's partitions, 0 for none
		msg                 []Message // produced
		want                string
	}{
		{"refused", refused, "events", 0, nil, "cannot reach the Kafka brokers " + refused + ": "},
		{"no partitions", addrs[0], "events", -1, nil, "topic events: a topic has at least one partition, not -1"},
		{"no topic", addrs[0], "nope", 0, []Message{{Value: []byte("x"), Partition: AnyPartition}},
			"topic nope does not exist on the Kafka brokers " + addrs[0]},
		{"no such partition", addrs[0], "events", 0, []Message{{Value: []byte("x"), Partition: 7}},
			"producing to topic events partition 7 on the Kafka brokers " + addrs[0] + ": invalid record partitioning choice of 7 from 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Now()
			p, err := OpenProducer(ctx, stream.Config{Brokers: []string{tc.broker}, Topic: tc.topic, DialTimeout: 500 * time.Millisecond})
			if err == nil {
				defer p.Close()
				if tc.ask != 0 {
					_, _, err = p.EnsureTopic(ctx, tc.ask)
				} else {
					err = p.Produce(ctx, tc.msg)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v does not say %q", err, tc.want)
			}
			if d := time.Since(t0); d > 5*time.Second {
				t.Fatalf("failing took %s", d)
			}
			t.Logf("%s in %s", err, time.Since(t0).Round(time.Millisecond))
		})
	}
}
