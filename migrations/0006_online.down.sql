DROP TABLE IF EXISTS elt.online_published;
DROP TABLE IF EXISTS elt.online_pending;
