DROP TABLE IF EXISTS silver.quarantine;
DROP TABLE IF EXISTS elt.files;
