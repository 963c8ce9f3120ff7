ALTER TABLE elt.reconciliations DROP COLUMN source_key;
