// Package produce writes messages to a Kafka topic (elt generate --kafka):
// idempotently, each to its partition or where its key hashes, the topic
// created when missing.
package produce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/digitalservices/elt/internal/stream"
)

// Config says where the brokers are and how to log in (stream.Config).
type Config = stream.Config

// AnyPartition, as a Message's Partition, lets the message's key choose
// its partition, as Kafka's own clients do (murmur2 of the key); a message
// without a key goes to a partition chosen for a whole batch.
const AnyPartition int32 = -1

// Message is one message to produce.
type Message struct {
	// Key and Value are the message's; a nil Key is no key.
	Key, Value []byte
	// Partition is the partition written, or AnyPartition.
	Partition int32
}

// Producer writes messages to one topic. Producing is idempotent (the
// brokers drop a batch the client retries after it was written), and in
// order within a partition. It is not safe for concurrent use.
type Producer struct {
	cfg stream.Config
	cl  *kgo.Client
	adm *kadm.Client
}

// OpenProducer connects to the brokers. The topic need not exist yet
// (EnsureTopic creates it).
func OpenProducer(ctx context.Context, cfg stream.Config) (*Producer, error) {
	cl, err := stream.Dial(ctx, cfg,
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.RecordPartitioner(partitioner{kgo.StickyKeyPartitioner(nil)}),
		// A topic missing fails after a few metadata refreshes, not
		// after the default's retries, which cannot help.
		kgo.UnknownTopicRetries(2),
	)
	if err != nil {
		return nil, err
	}
	return &Producer{cfg: cfg, cl: cl, adm: kadm.NewClient(cl)}, nil
}

// Close flushes nothing (Produce waits for its messages) and closes the
// connections to the brokers.
func (p *Producer) Close() { p.cl.Close() }

// EnsureTopic creates the topic with the given number of partitions (and
// the brokers' default replication) when it does not exist. It returns the
// topic's partitions, which are those it already has when it exists
// (whatever partitions asked for), and whether it created it.
func (p *Producer) EnsureTopic(ctx context.Context, partitions int) (have int, created bool, err error) {
	if partitions < 1 {
		return 0, false, fmt.Errorf("topic %s: a topic has at least one partition, not %d", p.cfg.Topic, partitions)
	}
	n, err := p.partitions(ctx)
	if err == nil {
		return n, false, nil
	}
	if !errors.Is(err, stream.ErrNoTopic) {
		return 0, false, err
	}
	resp, err := p.adm.CreateTopic(ctx, int32(partitions), -1, nil, p.cfg.Topic)
	switch {
	case errors.Is(err, kerr.TopicAlreadyExists):
		// Created meanwhile, by someone else.
	case err != nil:
		msg := ""
		if resp.ErrMessage != "" {
			msg = " (" + resp.ErrMessage + ")"
		}
		return 0, false, p.brokerErr(ctx, "creating topic "+p.cfg.Topic, fmt.Errorf("%w%s", err, msg))
	default:
		created = true
	}
	// The metadata of a topic just created can lag behind on some
	// brokers: ask until it lists the partitions.
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		n, err = p.partitions(ctx)
		if err == nil || !errors.Is(err, stream.ErrNoTopic) {
			return n, created, err
		}
		select {
		case <-ctx.Done():
			return 0, false, p.brokerErr(ctx, "waiting for topic "+p.cfg.Topic+" to be created", ctx.Err())
		case <-time.After(wait):
		}
	}
}

// partitions is how many partitions the topic has, asked of a broker
// (never kadm's cached metadata, which would not see a topic just made).
func (p *Producer) partitions(ctx context.Context) (int, error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(p.cfg.Topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, p.cl)
	if err != nil {
		return 0, p.brokerErr(ctx, "reading the metadata of topic "+p.cfg.Topic, err)
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != p.cfg.Topic {
			continue
		}
		err := kerr.ErrorForCode(t.ErrorCode)
		switch {
		case errors.Is(err, kerr.UnknownTopicOrPartition) || (err == nil && len(t.Partitions) == 0):
		case err != nil:
			return 0, fmt.Errorf("topic %s on the Kafka brokers %s: %w", p.cfg.Topic, strings.Join(p.cfg.Brokers, ","), err)
		default:
			return len(t.Partitions), nil
		}
	}
	return 0, p.noTopic()
}

func (p *Producer) noTopic() error {
	return fmt.Errorf("topic %s %w on the Kafka brokers %s", p.cfg.Topic, stream.ErrNoTopic, strings.Join(p.cfg.Brokers, ","))
}

// Produce writes the messages and waits until the brokers have them all.
// Messages to the same partition are written in the order given. On an
// error some of them may have been written.
func (p *Producer) Produce(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	recs := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		recs[i] = &kgo.Record{Topic: p.cfg.Topic, Key: m.Key, Value: m.Value, Partition: m.Partition}
	}
	for _, r := range p.cl.ProduceSync(ctx, recs...) {
		if r.Err == nil {
			continue
		}
		err := r.Err
		switch {
		case errors.Is(err, kerr.UnknownTopicOrPartition):
			err = fmt.Errorf("%w: create it first (elt generate --kafka creates it)", p.noTopic())
		case errors.Is(err, kgo.ErrRecordTimeout), ctx.Err() != nil:
			err = p.brokerErr(ctx, fmt.Sprintf("producing to topic %s", p.cfg.Topic), err)
		default:
			err = p.brokerErr(ctx, fmt.Sprintf("producing to topic %s partition %d", p.cfg.Topic, r.Record.Partition), err)
		}
		return err
	}
	return nil
}

func (p *Producer) brokerErr(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return fmt.Errorf("%s on the Kafka brokers %s: %w", doing, strings.Join(p.cfg.Brokers, ","), err)
}

// partitioner writes a record to its Partition, or, for AnyPartition, where
// its key hashes as in Kafka's clients (kgo's sticky key partitioner, which
// also picks the partition of records without a key, one per batch).
type partitioner struct{ hashed kgo.Partitioner }

func (p partitioner) ForTopic(t string) kgo.TopicPartitioner {
	return topicPartitioner{p.hashed.ForTopic(t)}
}

type topicPartitioner struct{ hashed kgo.TopicPartitioner }

func (p topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || p.hashed.RequiresConsistency(r)
}

func (p topicPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Partition >= 0 {
		return int(r.Partition)
	}
	return p.hashed.Partition(r, n)
}

// OnNewBatch lets the hashed partitioner move records without a key to
// another partition once a batch is full.
func (p topicPartitioner) OnNewBatch() {
	if nb, ok := p.hashed.(kgo.TopicPartitionerOnNewBatch); ok {
		nb.OnNewBatch()
	}
}
