DROP TABLE IF EXISTS elt.model_state;
