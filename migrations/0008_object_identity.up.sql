-- An object's identity on S3-compatible storage beyond its size and
-- last-modified time: its ETag and, on a versioned bucket, its version id.
-- NULL for local files (their identity is change time and inode).
ALTER TABLE elt.files ADD COLUMN etag VARCHAR;
ALTER TABLE elt.files ADD COLUMN version_id VARCHAR;
