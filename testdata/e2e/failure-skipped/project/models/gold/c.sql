SELECT * FROM silver.b
