-- A bronze file's identity beyond size and modification time: its change
-- time and inode, so a file rewritten in place with its size and mtime kept
-- (cp -p, rsync -a, touch -r) is hashed again. NULL for files ingested
-- before this migration: they are hashed again once, on the next build.
ALTER TABLE elt.files ADD COLUMN changed_at TIMESTAMP;
ALTER TABLE elt.files ADD COLUMN inode BIGINT;
