-- The file manifest (every bronze file ingested, once) and the quarantine
-- (every record that broke the data contract, with its file, line and reason).
CREATE TABLE elt.files (
    source      VARCHAR NOT NULL,
    file        VARCHAR NOT NULL,      -- relative to the bronze root, / separated
    size        BIGINT NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    sha256      VARCHAR NOT NULL,
    records     BIGINT NOT NULL,       -- non-blank lines that are records
    ingested_at TIMESTAMP NOT NULL,
    run_id      BIGINT NOT NULL
);
CREATE SCHEMA IF NOT EXISTS silver;
CREATE TABLE silver.quarantine (
    source  VARCHAR NOT NULL,
    file    VARCHAR NOT NULL,
    line    BIGINT NOT NULL,
    reason  VARCHAR NOT NULL,
    raw     VARCHAR,
    run_id  BIGINT NOT NULL
);
