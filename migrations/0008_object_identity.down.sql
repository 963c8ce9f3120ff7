ALTER TABLE elt.files DROP COLUMN version_id;
ALTER TABLE elt.files DROP COLUMN etag;
