SELECT * FROM silver.a
