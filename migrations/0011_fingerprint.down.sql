ALTER TABLE elt.files RENAME COLUMN fingerprint TO sha256;
