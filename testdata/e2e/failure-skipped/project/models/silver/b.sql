SELECT id, 1 / 0 AS x, error('this model fails') AS boom FROM silver.a
