package testutil

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Kafka is an in-process Kafka cluster (franz-go's kfake): one broker on a
// free loopback port, speaking the real protocol, so a test (or an elt it
// runs) reaches it as it would a real broker.
//
// kfake differs from Kafka in ways a test can meet: when a fetch request's
// own MaxBytes (not its partitions') cuts a response short, it leaves out
// the aborted transactions, so a read_committed reader is handed aborted
// records; its retention (Cluster().ApplyRetention) deletes a whole log,
// including what Kafka keeps as the active segment, and runs only when
// called.
type Kafka struct {
	c *kfake.Cluster
}

// StartKafka starts a cluster holding the topics, each with the given
// partitions, and closes it when the test ends.
func StartKafka(t testing.TB, partitions int, topics ...string) *Kafka {
	t.Helper()
	opts := []kfake.Opt{kfake.Ports(0)}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(int32(partitions), topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("starting an in-process Kafka (kfake): %v", err)
	}
	t.Cleanup(c.Close)
	return &Kafka{c: c}
}

// Addr is the broker's address, 127.0.0.1:port.
func (k *Kafka) Addr() string { return k.c.ListenAddrs()[0] }

// Cluster is the kfake cluster itself: ApplyRetention, Control and the
// other ways a test changes it.
func (k *Kafka) Cluster() *kfake.Cluster { return k.c }

// Produce writes the values, in order and without keys, to one partition
// of the topic, and returns their offsets.
func (k *Kafka) Produce(t testing.TB, topic string, partition int32, values ...[]byte) []int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addr()), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: topic, Partition: partition, Value: v}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("producing to %s partition %d: %v", topic, partition, err)
	}
	offsets := make([]int64, len(recs))
	for i, r := range recs {
		offsets[i] = r.Offset
	}
	return offsets
}

// UseTopic switches the events source of the project in proj (its elt.yaml
// declares "  events:\n    format: ndjson\n", as the repository's and the
// conformance cases' do) to the topic on the brokers at addr.
func UseTopic(t testing.TB, proj, addr, topic string) {
	t.Helper()
	cfg := filepath.Join(proj, "elt.yaml")
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const at = "  events:\n    format: ndjson\n"
	if !strings.Contains(string(text), at) {
		t.Fatalf("%s has no %q", cfg, at)
	}
	line := fmt.Sprintf("    kafka: {brokers: [%q], topic: %s}\n", addr, topic)
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(text), at, at+line, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
