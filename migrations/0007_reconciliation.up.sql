-- The reconciliation of each build, kept with its run: for every source it
-- read, the records of all its files against silver, superseded and
-- quarantined, and whether they balance. A build that did not balance
-- published nothing, and its counts say where records went missing.
CREATE TABLE elt.reconciliations (
    run_id      BIGINT NOT NULL,
    source      VARCHAR NOT NULL,
    read        BIGINT NOT NULL,
    silver      BIGINT NOT NULL,
    superseded  BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    bronze      BIGINT NOT NULL,
    balanced    BOOLEAN NOT NULL
);
