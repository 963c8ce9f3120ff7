DROP TABLE IF EXISTS elt.check_results;
