-- Incremental models: the last run that brought each one up to date. Written
-- inside the build's transaction, so it always agrees with the model's table.
CREATE TABLE elt.model_state (
    model       VARCHAR NOT NULL,
    last_run_id BIGINT NOT NULL,
    full_run_id BIGINT NOT NULL,       -- the last run that rebuilt it whole
    fingerprint VARCHAR NOT NULL       -- hash of its SQL and settings: a change rebuilds it whole
);
