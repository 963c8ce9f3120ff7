DROP TABLE IF EXISTS elt.stream_batches;
