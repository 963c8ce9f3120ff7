CREATE MACRO a(x) AS x;
DROP TABLE gold.one;
