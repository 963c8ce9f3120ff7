ALTER TABLE elt.files DROP COLUMN inode;
ALTER TABLE elt.files DROP COLUMN changed_at;
