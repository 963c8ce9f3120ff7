-- Online features: the keys of models with an online: section whose rows
-- changed and are not yet written to the feature store (written in the
-- build's transaction), and what was written (after the store took it).
CREATE TABLE elt.online_pending (
    model VARCHAR NOT NULL,
    key   VARCHAR NOT NULL
);
CREATE TABLE elt.online_published (
    model  VARCHAR NOT NULL,
    key    VARCHAR NOT NULL,
    run_id BIGINT NOT NULL
);
