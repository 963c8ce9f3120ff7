-- helpers
CREATE MACRO ok_one(x) AS x + 1;

CREATE MACRO broken(x) AS
    x +* 2;
