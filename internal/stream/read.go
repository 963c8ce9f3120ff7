package stream

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	// partitionMaxBytes is how much one fetch asks of a partition (a
	// broker returns at least one whole batch whatever the limit): Kafka's
	// consumers' default (max.partition.fetch.bytes). 8 MB fetches kept
	// about 100 MB more alive while a batch loads, under the 256 MB Go may
	// use, and made its garbage collected more often.
	partitionMaxBytes = 1 << 20
	// requestMaxBytes is the fetch's limit as a whole. A fetch asks for one
	// partition, so this is far above partitionMaxBytes and never the
	// limit that cuts a response: kfake leaves out a partition's aborted
	// transactions when the request's limit cuts it, and would hand a
	// read_committed reader aborted records.
	requestMaxBytes = 64 << 20
	// attempts is how many fetches in a row may fail with an error that a
	// retry can cure (a leader moved, a broker restarting) before Read
	// gives up; each waits twice as long as the one before, from
	// firstBackoff.
	attempts     = 6
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// Read reads the batch: each partition, in partition order, from its From
// to exactly its End, in offset order, with read_committed isolation. It
// calls emit with each record; an error from emit stops the read and is
// returned as it is. When all is read, next holds each partition's End:
// the Position.Offsets of the batch after. The batch must come from Plan,
// which gives it the topic's id that the fetches name.
func (r *Reader) Read(ctx context.Context, b Batch, emit func(Record) error) (next map[int32]int64, err error) {
	next = make(map[int32]int64, len(b.Ranges))
	for _, rg := range b.Ranges {
		if err := r.readRange(ctx, b, rg, r.partitionMaxBytes(), emit); err != nil {
			return nil, err
		}
		next[rg.Partition] = rg.End
	}
	r.last = maps.Clone(next)
	return next, nil
}

// Last is where the last Read that read its whole batch left each
// partition of it (nil before one did): the next offsets, if the records
// it read were kept.
func (r *Reader) Last() map[int32]int64 { return maps.Clone(r.last) }

// Starts are the partitions' log start offsets now: the oldest message
// each still keeps.
func (r *Reader) Starts(ctx context.Context) (map[int32]int64, error) {
	return r.listOffsets(ctx, "log start offsets", r.adm.ListStartOffsets)
}

// TopicID is the topic's id now, as FormatTopicID writes it.
func (r *Reader) TopicID(ctx context.Context) (string, error) {
	m, err := r.metadata(ctx)
	if err != nil {
		return "", err
	}
	return FormatTopicID(m.id), nil
}

// Ends are the partitions' last stable offsets now: what a batch planned
// now would read up to.
func (r *Reader) Ends(ctx context.Context) (map[int32]int64, error) {
	return r.listOffsets(ctx, "last stable offsets", r.adm.ListCommittedOffsets)
}

func (r *Reader) partitionMaxBytes() int32 {
	if r.fetchBytes > 0 {
		return r.fetchBytes
	}
	return partitionMaxBytes
}

// readRange reads one partition's range.
func (r *Reader) readRange(ctx context.Context, b Batch, rg Range, maxBytes int32, emit func(Record) error) error {
	off := rg.From
	failed := 0
	var lastErr error
	retry := func(err error) error {
		failed++
		r.retries++
		lastErr = err
		if failed >= attempts {
			return fmt.Errorf("topic %s partition %d: reading from offset %d failed %d times in a row: %w", b.Topic, rg.Partition, off, failed, lastErr)
		}
		wait := min(firstBackoff<<(failed-1), maxBackoff)
		select {
		case <-ctx.Done():
			return fmt.Errorf("topic %s partition %d: reading from offset %d: %w", b.Topic, rg.Partition, off, ctx.Err())
		case <-time.After(wait):
		}
		if _, err := r.metadata(ctx); err != nil {
			lastErr = err
			if errors.Is(err, ErrNoTopic) {
				return &OffsetError{Topic: b.Topic, Partition: -1, Stored: -1, LogStart: -1, End: -1, StoredID: b.TopicID, Reason: Recreated}
			}
		}
		return nil
	}
	for off < rg.End {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("topic %s partition %d: reading from offset %d: %w", b.Topic, rg.Partition, off, err)
		}
		rp, err := r.fetch(ctx, b, rg.Partition, off, maxBytes)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("topic %s partition %d: reading from offset %d: %w", b.Topic, rg.Partition, off, ctx.Err())
			}
			if e := r.connErr(err); e != nil {
				// A login refused or a TLS handshake failed: retrying
				// will not mend it.
				return fmt.Errorf("topic %s partition %d: reading from offset %d: %w", b.Topic, rg.Partition, off, e)
			}
			if err := retry(err); err != nil {
				return err
			}
			continue
		}
		fp, nextOff := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
			Offset:         off,
			IsolationLevel: kgo.ReadCommitted(),
			Topic:          b.Topic,
			Partition:      rg.Partition,
		}, rp, kgo.DefaultDecompressor(), nil)
		switch {
		case fp.Err == nil:
		case errors.Is(fp.Err, kerr.OffsetOutOfRange):
			// Kafka leaves the partition's bounds out of an error's
			// response: ask for them.
			e, err := r.outOfRange(ctx, rg.Partition, off)
			if err != nil {
				return err
			}
			if e != nil {
				return e
			}
			if err := retry(fp.Err); err != nil {
				return err
			}
			continue
		case errors.Is(fp.Err, kerr.UnknownTopicID):
			return &OffsetError{Topic: b.Topic, Partition: -1, Stored: -1, LogStart: -1, End: -1, StoredID: b.TopicID, Reason: Recreated}
		case kerr.IsRetriable(fp.Err):
			if err := retry(fp.Err); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("topic %s partition %d: reading from offset %d: %w", b.Topic, rg.Partition, off, fp.Err)
		}
		for _, rec := range fp.Records {
			if rec.Offset < off || rec.Offset >= rg.End {
				continue
			}
			if err := emit(Record{Partition: rg.Partition, Offset: rec.Offset, Key: rec.Key, Value: rec.Value, Timestamp: rec.Timestamp}); err != nil {
				return err
			}
		}
		if nextOff <= off {
			// Nothing below the end came back: a leader whose last stable
			// offset has not caught up yet. Wait and ask again.
			if err := retry(fmt.Errorf("the broker returned nothing below offset %d", rg.End)); err != nil {
				return err
			}
			continue
		}
		off, failed = nextOff, 0
	}
	return nil
}

// outOfRange says why offset off of partition p is out of range: below the
// log start, or past the end. Neither (a leader catching up) is nil.
func (r *Reader) outOfRange(ctx context.Context, p int32, off int64) (*OffsetError, error) {
	starts, err := r.listOffsets(ctx, "log start offsets", r.adm.ListStartOffsets)
	if err != nil {
		return nil, err
	}
	ends, err := r.listOffsets(ctx, "end offsets", r.adm.ListEndOffsets)
	if err != nil {
		return nil, err
	}
	e := &OffsetError{Topic: r.cfg.Topic, Partition: p, Stored: off, LogStart: starts[p], End: ends[p]}
	switch {
	case off < e.LogStart:
		e.Reason = Retention
	case off > e.End:
		e.Reason = Truncated
	default:
		return nil, nil
	}
	return e, nil
}

// fetch sends one Fetch request for one partition to its leader, and
// returns the partition's part of the response.
func (r *Reader) fetch(ctx context.Context, b Batch, p int32, off int64, maxBytes int32) (*kmsg.FetchResponseTopicPartition, error) {
	leader, ok := r.leaders[p]
	if !ok || leader < 0 {
		return nil, fmt.Errorf("partition %d has no leader", p)
	}
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxWaitMillis = 500
	req.MinBytes = 1
	req.MaxBytes = requestMaxBytes
	req.IsolationLevel = 1 // read_committed
	req.SessionEpoch = -1  // no fetch session: every fetch is whole
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = b.Topic, b.id
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition = p
	rp.FetchOffset = off
	rp.CurrentLeaderEpoch = -1
	rp.LogStartOffset = -1
	rp.PartitionMaxBytes = maxBytes
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	kresp, err := r.cl.Broker(int(leader)).Request(ctx, req)
	if err != nil {
		return nil, err
	}
	resp := kresp.(*kmsg.FetchResponse)
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, err
	}
	for i := range resp.Topics {
		t := &resp.Topics[i]
		if t.Topic != b.Topic && t.TopicID != b.id {
			continue
		}
		for j := range t.Partitions {
			if t.Partitions[j].Partition == p {
				return &t.Partitions[j], nil
			}
		}
	}
	return nil, fmt.Errorf("the fetch response has no partition %d", p)
}
