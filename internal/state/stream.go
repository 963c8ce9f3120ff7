package state

import (
	"context"
	"fmt"

	"github.com/digitalservices/elt/internal/warehouse"
)

// StreamPosition is where a Kafka source stands: the id of the topic its
// latest batch read, and the next offset of each partition it read.
type StreamPosition struct {
	Topic, TopicID string
	Offsets        map[int32]int64
}

// ReadStreamPosition reads the position of a Kafka source from its
// batches: each partition's end in its latest batch (the latest run's), of
// the topic (name and id) of the source's latest batch. The zero position (no
// offsets) is a source never read, or emptied by a full refresh.
func ReadStreamPosition(ctx context.Context, q warehouse.Querier, source string) (StreamPosition, error) {
	pos := StreamPosition{Offsets: map[int32]int64{}}
	rows, err := q.QueryContext(ctx, `WITH latest AS (
		SELECT arg_max(topic_id, run_id) AS topic_id, arg_max(topic, run_id) AS topic FROM elt.stream_batches WHERE source = ?)
		SELECT b."partition", arg_max(b.end_offset, b.run_id), any_value(l.topic_id), any_value(l.topic)
		FROM elt.stream_batches b JOIN latest l ON b.topic_id = l.topic_id AND b.topic = l.topic
		WHERE b.source = ? GROUP BY b."partition"`, source, source)
	if err != nil {
		return pos, fmt.Errorf("read the position of %s: %w", source, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p int32
		var end int64
		if err := rows.Scan(&p, &end, &pos.TopicID, &pos.Topic); err != nil {
			return pos, err
		}
		pos.Offsets[p] = end
	}
	return pos, rows.Err()
}

// StreamBatch is what one build read of one partition of a Kafka source.
type StreamBatch struct {
	Topic, TopicID string
	Partition      int32
	From, End      int64
	Records        int64
	// Reset says what a reset of the partition's offset skipped or read
	// again ("" when there was none).
	Reset string
}

// RecordStreamBatch adds a batch to the source's position, in the build's
// transaction.
func RecordStreamBatch(ctx context.Context, q warehouse.Querier, source string, runID int64, b StreamBatch) error {
	var reset any
	if b.Reset != "" {
		reset = b.Reset
	}
	_, err := q.ExecContext(ctx, `INSERT INTO elt.stream_batches (source, topic, topic_id, "partition", from_offset, end_offset, records, reset, ingested_at, run_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?)`, source, b.Topic, b.TopicID, b.Partition, b.From, b.End, b.Records, reset, runID)
	if err != nil {
		return fmt.Errorf("record the offsets read of %s: %w", source, err)
	}
	return nil
}

// ReadStreamFirst is where a Kafka source's reading began: the id of the
// topic its latest batch read, and each partition's first offset read of
// that topic among batches that brought records.
func ReadStreamFirst(ctx context.Context, q warehouse.Querier, source string) (StreamPosition, error) {
	pos := StreamPosition{Offsets: map[int32]int64{}}
	rows, err := q.QueryContext(ctx, `WITH latest AS (
		SELECT arg_max(topic_id, run_id) AS topic_id FROM elt.stream_batches WHERE source = ?)
		SELECT b."partition", min(b.from_offset), any_value(l.topic_id)
		FROM elt.stream_batches b JOIN latest l ON b.topic_id = l.topic_id
		WHERE b.source = ? AND b.records > 0 GROUP BY b."partition"`, source, source)
	if err != nil {
		return pos, fmt.Errorf("read the offsets of %s: %w", source, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p int32
		var first int64
		if err := rows.Scan(&p, &first, &pos.TopicID); err != nil {
			return pos, err
		}
		pos.Offsets[p] = first
	}
	return pos, rows.Err()
}
