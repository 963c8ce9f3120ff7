DROP TABLE IF EXISTS elt.reconciliations;
