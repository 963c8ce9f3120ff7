-- Exports brought up to date rather than written again (publish.Patch):
-- the keys of models with an export: section whose rows changed, by the
-- run that changed them (written in the build's transaction; a NULL key
-- says any row may have: the model was rebuilt whole, or its change set was
-- too large or held a NULL key), and the run whose rows each model's export
-- last took (written once the export is in place, which also drops the
-- keys of that run and the runs before it).
CREATE TABLE elt.export_changes (
    model  VARCHAR NOT NULL,
    run_id BIGINT NOT NULL,
    key    VARCHAR
);
CREATE TABLE elt.export_written (
    model  VARCHAR NOT NULL,
    run_id BIGINT NOT NULL
);
