-- The key each reconciliation counted superseded records by: the next build
-- takes its counts as a starting point only while the source's key is the
-- same. NULL for reconciliations recorded before it was kept.
ALTER TABLE elt.reconciliations ADD COLUMN source_key VARCHAR;
