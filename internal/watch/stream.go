package watch

import (
	"context"
	"maps"
	"time"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/ingest/topic"
)

// topics watches the Kafka sources: each has a reader kept open across
// builds, asked every max_wait for its partitions' last stable offsets. A
// build runs when they moved past where the last build, successful, read
// to (new messages, or messages max_records left behind), or, when it
// failed, since it began. While a build runs, messages gather, and the
// next build takes them all, so batches grow rather than builds pile up. A build that failed is tried
// again when more messages come, or an interval later (as a failed build
// of files is at the next poll): the failure may have passed (the
// warehouse held by an elt query, a broker away for a moment), and
// otherwise the messages it left would wait for the next message, which
// on a quiet topic may be long in coming.
type topics struct {
	sources []ingest.Source
	readers topic.Readers
	wait    time.Duration // the shortest max_wait
	// seen are each source's ends when its last build began; left are
	// those it did not read to (its position after, when it succeeded).
	seen, left map[string]map[int32]int64
	lag        map[string]map[int32]int64 // what each source's last WatchLag said
	failed     string                     // the last error said, said once
	interval   time.Duration              // how long a failed build waits to be tried again
	retryAt    time.Time                  // when the last build, failed, is tried again (zero: it did not fail)
}

// openTopics opens a reader of each Kafka source; nil when there is none.
// A failed build is tried again after interval.
func openTopics(ctx context.Context, sources []ingest.Source, interval time.Duration) (*topics, error) {
	t := &topics{readers: topic.Readers{}, seen: map[string]map[int32]int64{}, left: map[string]map[int32]int64{}, interval: interval}
	for _, src := range sources {
		if src.Kafka == nil {
			continue
		}
		r, err := topic.Open(ctx, src, nil)
		if err != nil {
			t.readers.Close()
			return nil, err
		}
		t.readers[src.Name] = r
		t.sources = append(t.sources, src)
		if w := src.Kafka.Wait(); t.wait == 0 || w < t.wait {
			t.wait = w
		}
	}
	if len(t.sources) == 0 {
		return nil, nil
	}
	return t, nil
}

// close closes the readers.
func (t *topics) close() {
	if t != nil {
		t.readers.Close()
	}
}

// pending asks each topic for its ends: whether a build should run now,
// and the error of a topic that could not be asked (said once until it
// changes).
func (t *topics) pending(ctx context.Context, rep event.Reporter) (bool, string) {
	due := false
	for _, src := range t.sources {
		ends, err := t.readers[src.Name].Ends(ctx)
		if err != nil {
			msg := src.Name + ": " + err.Error()
			if msg == t.failed {
				return false, ""
			}
			t.failed = msg
			return false, msg
		}
		// After a build that succeeded, what it read to tells whether
		// anything is new (messages that landed as it began were read by
		// it); after one that failed, or before any, the ends it began
		// with.
		since := t.left[src.Name]
		t.reportLag(rep, src, ends, since)
		if since == nil {
			since = t.seen[src.Name]
		}
		if !maps.Equal(ends, since) {
			due = true
		}
	}
	t.failed = ""
	if !t.retryAt.IsZero() && !time.Now().Before(t.retryAt) {
		due = true
	}
	return due, ""
}

// reportLag says how far behind its ends the last successful build left a
// source's partitions (a partition not read yet is behind by all its
// messages), when that changed since it was last said.
func (t *topics) reportLag(rep event.Reporter, src ingest.Source, ends, read map[int32]int64) {
	if read == nil {
		return // no build has read the topic yet in this watch
	}
	lag := make(map[int32]int64, len(ends))
	for p, end := range ends {
		lag[p] = max(end-read[p], 0)
	}
	if maps.Equal(lag, t.lag[src.Name]) {
		return
	}
	if t.lag == nil {
		t.lag = map[string]map[int32]int64{}
	}
	t.lag[src.Name] = lag
	rep.Report(event.WatchLag{Source: src.Name, Topic: src.Kafka.Topic, Partitions: lag})
}

// started notes each topic's ends as a build begins.
func (t *topics) started(ctx context.Context) {
	for _, src := range t.sources {
		if ends, err := t.readers[src.Name].Ends(ctx); err == nil {
			t.seen[src.Name] = ends
		}
	}
}

// finished notes where a build left each topic: where its reader read to,
// when it succeeded; when it failed, nothing more to do until new messages
// or an interval has passed.
func (t *topics) finished(ok bool) {
	t.retryAt = time.Time{}
	if !ok {
		t.retryAt = time.Now().Add(t.interval)
	}
	for _, src := range t.sources {
		if ok {
			t.left[src.Name] = t.readers[src.Name].Last()
		} else {
			t.left[src.Name] = nil
		}
	}
}
