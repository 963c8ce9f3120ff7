DROP TABLE IF EXISTS elt.export_written;
DROP TABLE IF EXISTS elt.export_changes;
