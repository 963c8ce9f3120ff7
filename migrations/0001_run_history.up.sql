-- Run history: one row per command that wrote the warehouse, one per model run.
CREATE SCHEMA IF NOT EXISTS elt;
CREATE SEQUENCE IF NOT EXISTS elt.run_id START 1;
CREATE TABLE elt.runs (
    run_id      BIGINT NOT NULL,
    command     VARCHAR NOT NULL,
    args        VARCHAR,
    status      VARCHAR NOT NULL,      -- running, success, error, cancelled
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    error       VARCHAR,
    elt_version VARCHAR
);
CREATE TABLE elt.model_runs (
    run_id       BIGINT NOT NULL,
    model        VARCHAR NOT NULL,
    materialized VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,     -- success, error, skipped
    rows         BIGINT,
    started_at   TIMESTAMP NOT NULL,
    seconds      DOUBLE,
    error        VARCHAR
);
