-- The batches read from Kafka sources: for each build and partition, the
-- offsets it read (from_offset up to end_offset, exclusive) and the records
-- among them, written in the build's transaction with the records
-- themselves, so a source's position (the end of its partitions' latest
-- batches) is exactly what the warehouse holds: no message read twice or
-- lost. reset says what a --reset-offsets skipped or re-read.
CREATE TABLE elt.stream_batches (
    source      VARCHAR NOT NULL,
    topic       VARCHAR NOT NULL,
    topic_id    VARCHAR NOT NULL,
    "partition" INTEGER NOT NULL,
    from_offset BIGINT NOT NULL,
    end_offset  BIGINT NOT NULL,
    records     BIGINT NOT NULL,
    reset       VARCHAR,
    ingested_at TIMESTAMP NOT NULL,
    run_id      BIGINT NOT NULL
);
