/* description: totals */
SELECT id,
       amout * 2 AS doubled
FROM silver.orders
