// Package stream reads a Kafka topic in bounded batches.
//
// A batch is planned first (Plan): for each partition of the topic, from
// the offset stored by the previous batch (or where a partition never read
// starts: its log start or its end) up to the partition's last stable
// offset (LSO) at that moment. Read then reads each partition from exactly
// its first offset to exactly its end with read_committed isolation, so a
// batch ends even while a producer's transaction is open, and no record of
// an aborted transaction is read.
//
// Reading goes through raw Fetch requests processed by
// kgo.ProcessFetchPartition rather than kgo's consumer: the consumer does
// not say where it is, and skips aborted and control records without a
// trace, so it cannot tell deterministically that a partition reached its
// end. A fetch's processing returns the next offset to fetch, which moves
// past aborted batches and transaction markers.
//
// An offset that no longer exists is an *OffsetError: a stored offset below
// the partition's log start (retention or deleted records removed messages
// never read), above its end (the log was truncated), or a topic whose id is
// not the stored one (it was deleted and recreated). The error says what
// happened and how to reset.
package stream

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Config says which topic to read and where its brokers are.
type Config struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// Topic is the topic read.
	Topic string
	// DialTimeout bounds connecting to a broker, and Open's first exchange
	// with the cluster. Zero means 10 seconds.
	DialTimeout time.Duration
	// SASL is the login to the brokers (auth.go); the zero SASL is none.
	SASL SASL
	// TLS encrypts the connections to the brokers (auth.go); the zero TLS
	// is plaintext, unless SASL is aws-msk-iam.
	TLS TLS
}

// Start is where a partition with no stored offset starts, or, as a reset,
// where a partition whose stored offset no longer exists starts again.
type Start int

const (
	// Earliest is the partition's log start: everything still kept.
	Earliest Start = iota + 1
	// Latest is the partition's end when the batch is planned: only what
	// arrives afterwards.
	Latest
)

// String returns "earliest" or "latest".
func (s Start) String() string {
	switch s {
	case Earliest:
		return "earliest"
	case Latest:
		return "latest"
	}
	return fmt.Sprintf("Start(%d)", int(s))
}

// ParseStart reads "earliest" or "latest".
func ParseStart(s string) (Start, error) {
	switch s {
	case "earliest":
		return Earliest, nil
	case "latest":
		return Latest, nil
	}
	return 0, fmt.Errorf("%q is not a start: use earliest or latest", s)
}

// Position is what a previous batch left: the topic's id and, per
// partition, the next offset to read. The zero Position is a topic never
// read.
type Position struct {
	// TopicID is the id of the topic read, as Kafka prints it (kafka-topics
	// --describe's TopicId); empty if not known.
	TopicID string
	// Offsets are the next offset to read of each partition read before.
	Offsets map[int32]int64
}

// Range is one partition's part of a batch: offsets From up to End,
// exclusive.
type Range struct {
	Partition int32
	From, End int64
}

// Batch is what a Read reads: each partition's range, in partition order.
type Batch struct {
	Topic   string
	TopicID string
	Ranges  []Range
	// Reset lists the offsets that no longer existed and were reset (Plan's
	// reset): what the run history records.
	Reset []*OffsetError

	id [16]byte
}

// Empty reports whether the batch has nothing to read.
func (b Batch) Empty() bool {
	for _, r := range b.Ranges {
		if r.From < r.End {
			return false
		}
	}
	return true
}

// Reason says why a stored offset no longer exists.
type Reason int

const (
	// Retention: the offset is below the partition's log start; messages
	// never read were removed (retention, or records deleted).
	Retention Reason = iota + 1
	// Truncated: the offset is past the partition's end.
	Truncated
	// Recreated: the topic's id is not the stored one, or it disappeared
	// while being read: it was deleted (and recreated).
	Recreated
)

// OffsetError is a stored offset that no longer exists in the topic.
type OffsetError struct {
	Topic string
	// Partition is -1 when the whole topic is concerned (Recreated).
	Partition int32
	// Stored is the offset stored; LogStart and End the partition's bounds
	// now (-1 when not known).
	Stored, LogStart, End int64
	// StoredID and TopicID are the topic ids before and now, for Recreated.
	StoredID, TopicID string
	Reason            Reason
}

func (e *OffsetError) Error() string {
	fix := `run "elt build --reset-offsets earliest" to read from the oldest message kept, or "--reset-offsets latest" to read only messages that arrive from now on`
	switch e.Reason {
	case Retention:
		return fmt.Sprintf("topic %s partition %d: the next offset to read, %d, no longer exists: the partition now starts at offset %d, so the messages from %d to %d were removed (retention, or deleted records) before they were read; %s",
			e.Topic, e.Partition, e.Stored, e.LogStart, e.Stored, e.LogStart-1, fix)
	case Truncated:
		return fmt.Sprintf("topic %s partition %d: the next offset to read, %d, is past the partition's end, %d: the partition was truncated, or the topic recreated; %s",
			e.Topic, e.Partition, e.Stored, e.End, fix)
	}
	if e.Partition >= 0 {
		return fmt.Sprintf("topic %s partition %d, read before up to offset %d, no longer exists: the topic was deleted and recreated with fewer partitions; %s",
			e.Topic, e.Partition, e.Stored, fix)
	}
	now := "it no longer exists or was recreated"
	if e.TopicID != "" {
		now = "its id is now " + e.TopicID
	}
	was := ""
	if e.StoredID != "" {
		was = " (id " + e.StoredID + ")"
	}
	return fmt.Sprintf("topic %s was deleted and recreated: the offsets stored are of the topic read before%s, and %s; %s",
		e.Topic, was, now, fix)
}

// Record is one message read.
type Record struct {
	Partition  int32
	Offset     int64
	Key, Value []byte
	Timestamp  time.Time
}

// Reader reads one topic. It is not safe for concurrent use.
type Reader struct {
	cfg Config
	cl  *kgo.Client
	adm *kadm.Client
	// leaders is each partition's leader as last seen in metadata.
	leaders map[int32]int32
	// fetchBytes, when set, replaces partitionMaxBytes (tests).
	fetchBytes int32
	// retries counts the fetches retried.
	retries int
	// last is where the last whole Read left each partition.
	last map[int32]int64
	// login watches the SASL logins (nil without SASL), to tell a login
	// refused from a network broken.
	login *watchedLogin
}

// ErrNoTopic is the topic missing from the cluster.
var ErrNoTopic = errors.New("does not exist")

// Open connects to the brokers and checks that the topic exists.
func Open(ctx context.Context, cfg Config) (*Reader, error) {
	cl, login, err := dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	r := &Reader{cfg: cfg, cl: cl, adm: kadm.NewClient(cl), login: login}
	if _, err := r.metadata(ctx); err != nil {
		cl.Close()
		return nil, err
	}
	return r, nil
}

// Dial connects a client of the brokers with cfg's options (ClientOptions)
// and extra, and checks that it reaches them: a broker that does not
// answer, a refused login and a failed TLS handshake are errors saying
// what to fix. The producer's client is made so.
func Dial(ctx context.Context, cfg Config, extra ...kgo.Opt) (*kgo.Client, error) {
	cl, _, err := dial(ctx, cfg, extra...)
	return cl, err
}

// dial is Dial, with the watch of the client's SASL logins (nil without).
func dial(ctx context.Context, cfg Config, extra ...kgo.Opt) (*kgo.Client, *watchedLogin, error) {
	if len(cfg.Brokers) == 0 {
		return nil, nil, errors.New("no Kafka brokers given: list at least one host:port")
	}
	if cfg.Topic == "" {
		return nil, nil, errors.New("no Kafka topic given")
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	opts, err := cfg.ClientOptions()
	if err != nil {
		return nil, nil, err
	}
	cl, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("the Kafka brokers %s: %w", strings.Join(cfg.Brokers, ","), err)
	}
	login := loginOf(cl)
	pctx, cancel := context.WithTimeout(ctx, 2*cfg.DialTimeout)
	defer cancel()
	if err := cl.Ping(pctx); err != nil {
		cl.Close()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if pctx.Err() != nil {
			err = fmt.Errorf("no answer within %s", 2*cfg.DialTimeout)
			if cfg.tlsOn() {
				// A broker without TLS on that port waits for the rest
				// of what it takes for a request.
				err = fmt.Errorf("%w, with TLS on: if the brokers listen without TLS on that port, use their TLS port, or remove kafka.tls", err)
			}
		} else if e := connErr(cfg, login, err); e != nil {
			return nil, nil, e
		}
		return nil, nil, fmt.Errorf("cannot reach the Kafka brokers %s: %w", strings.Join(cfg.Brokers, ","), err)
	}
	return cl, login, nil
}

// ClientOptions are the options of every client of the brokers (a reader,
// a producer): where they are, the timeouts, the login and TLS. An error
// is a login or TLS setting that cannot be used (a mechanism unknown, a
// password missing, a CA file unreadable), said as what to change.
func (c Config) ClientOptions() ([]kgo.Opt, error) {
	timeout := c.DialTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	auth, err := c.authOptions()
	if err != nil {
		return nil, err
	}
	return append([]kgo.Opt{
		kgo.SeedBrokers(c.Brokers...),
		kgo.DialTimeout(timeout),
		kgo.RetryTimeout(timeout),
	}, auth...), nil
}

// Close closes the connections to the brokers.
func (r *Reader) Close() { r.cl.Close() }

// topicMeta is the topic as the metadata says now.
type topicMeta struct {
	id         [16]byte
	partitions []int32 // sorted
}

// metadata asks a broker for the topic's metadata (never the client's cache,
// which could hold a deleted topic's id or miss added partitions), and
// remembers the partitions' leaders.
func (r *Reader) metadata(ctx context.Context) (topicMeta, error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(r.cfg.Topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, r.cl)
	if err != nil {
		return topicMeta{}, r.brokerErr(ctx, "reading the metadata of topic "+r.cfg.Topic, err)
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != r.cfg.Topic {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				return topicMeta{}, r.noTopic()
			}
			return topicMeta{}, fmt.Errorf("topic %s: %w", r.cfg.Topic, err)
		}
		m := topicMeta{id: t.TopicID}
		r.leaders = make(map[int32]int32, len(t.Partitions))
		for _, p := range t.Partitions {
			m.partitions = append(m.partitions, p.Partition)
			r.leaders[p.Partition] = p.Leader
		}
		slices.Sort(m.partitions)
		return m, nil
	}
	return topicMeta{}, r.noTopic()
}

func (r *Reader) noTopic() error {
	return fmt.Errorf("topic %s %w on the Kafka brokers %s", r.cfg.Topic, ErrNoTopic, strings.Join(r.cfg.Brokers, ","))
}

// brokerErr words an error of a request to the cluster.
func (r *Reader) brokerErr(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", doing, ctx.Err())
	}
	if e := r.connErr(err); e != nil {
		return fmt.Errorf("%s: %w", doing, e)
	}
	return fmt.Errorf("%s from the Kafka brokers %s: %w", doing, strings.Join(r.cfg.Brokers, ","), err)
}

// FormatTopicID writes a topic id as Kafka prints it: URL-safe base64
// without padding.
func FormatTopicID(id [16]byte) string {
	return base64.RawURLEncoding.EncodeToString(id[:])
}

// Plan makes the next batch: each partition of the topic from its offset
// in stored, or from start for a partition not there (one added since, or
// every partition of a topic never read), up to its last stable offset
// now.
//
// A stored offset that no longer exists (below the partition's log start,
// past its end, or of a topic recreated since) is an *OffsetError (several
// are joined) unless reset is Earliest or Latest: then such a partition
// (every partition, for a recreated topic) starts there instead, and the
// batch lists what was reset in Reset.
func (r *Reader) Plan(ctx context.Context, stored Position, start, reset Start) (Batch, error) {
	if start != Earliest && start != Latest {
		return Batch{}, fmt.Errorf("topic %s: start must be earliest or latest", r.cfg.Topic)
	}
	m, err := r.metadata(ctx)
	if err != nil {
		return Batch{}, err
	}
	b := Batch{Topic: r.cfg.Topic, TopicID: FormatTopicID(m.id), id: m.id}
	offsets := stored.Offsets
	if stored.TopicID != "" && stored.TopicID != b.TopicID {
		e := &OffsetError{Topic: r.cfg.Topic, Partition: -1, Stored: -1, LogStart: -1, End: -1,
			StoredID: stored.TopicID, TopicID: b.TopicID, Reason: Recreated}
		if reset == 0 {
			return Batch{}, e
		}
		b.Reset = append(b.Reset, e)
		offsets, start = nil, reset
	}
	starts, err := r.listOffsets(ctx, "log start offsets", r.adm.ListStartOffsets)
	if err != nil {
		return Batch{}, err
	}
	lsos, err := r.listOffsets(ctx, "last stable offsets", r.adm.ListCommittedOffsets)
	if err != nil {
		return Batch{}, err
	}
	hwms, err := r.listOffsets(ctx, "end offsets", r.adm.ListEndOffsets)
	if err != nil {
		return Batch{}, err
	}
	var errs []error
	for _, p := range slices.Sorted(maps.Keys(offsets)) {
		from := offsets[p]
		if _, ok := starts[p]; ok {
			continue
		}
		// A partition read before is gone: partitions are never removed,
		// so the topic is another one of the same name.
		e := &OffsetError{Topic: r.cfg.Topic, Partition: p, Stored: from, LogStart: -1, End: -1,
			StoredID: stored.TopicID, TopicID: b.TopicID, Reason: Recreated}
		if reset == 0 {
			errs = append(errs, e)
		} else {
			b.Reset = append(b.Reset, e)
		}
	}
	for _, p := range m.partitions {
		logStart, okS := starts[p]
		end, okE := lsos[p]
		hwm, okH := hwms[p]
		if !okS || !okE || !okH {
			return Batch{}, fmt.Errorf("topic %s partition %d: the brokers did not list its offsets; try again", r.cfg.Topic, p)
		}
		from, ok := offsets[p]
		if !ok {
			from = at(start, logStart, end)
			b.Ranges = append(b.Ranges, Range{Partition: p, From: from, End: end})
			continue
		}
		var e *OffsetError
		switch {
		case from < logStart:
			e = &OffsetError{Topic: r.cfg.Topic, Partition: p, Stored: from, LogStart: logStart, End: end, Reason: Retention}
		case from > hwm:
			e = &OffsetError{Topic: r.cfg.Topic, Partition: p, Stored: from, LogStart: logStart, End: hwm, Reason: Truncated}
		case from > end:
			// Past the LSO but not the high watermark: a leader that has
			// not yet caught up. Nothing to read this time.
			end = from
		}
		if e != nil {
			if reset == 0 {
				errs = append(errs, e)
				continue
			}
			b.Reset = append(b.Reset, e)
			from = at(reset, logStart, end)
		}
		b.Ranges = append(b.Ranges, Range{Partition: p, From: from, End: end})
	}
	if err := errors.Join(errs...); err != nil {
		return Batch{}, err
	}
	return b, nil
}

func at(s Start, logStart, end int64) int64 {
	if s == Latest {
		return end
	}
	return logStart
}

// listOffsets lists one kind of offset of every partition of the topic.
func (r *Reader) listOffsets(ctx context.Context, what string, list func(context.Context, ...string) (kadm.ListedOffsets, error)) (map[int32]int64, error) {
	listed, err := list(ctx, r.cfg.Topic)
	if err != nil {
		return nil, r.brokerErr(ctx, "listing the "+what+" of topic "+r.cfg.Topic, err)
	}
	out := map[int32]int64{}
	for p, o := range listed[r.cfg.Topic] {
		if o.Err != nil {
			if p < 0 {
				return nil, r.noTopic()
			}
			return nil, fmt.Errorf("listing the %s of topic %s partition %d: %w", what, r.cfg.Topic, p, o.Err)
		}
		out[p] = o.Offset
	}
	return out, nil
}
