-- A file's content is named by a fingerprint (package fingerprint): XXH3
-- for files read from now on; the sha256 already kept stays, and those
-- files are fingerprinted in that kind again.
ALTER TABLE elt.files RENAME COLUMN sha256 TO fingerprint;
