-- Saved query: elt query -f sql/revenue_by_day.sql
SELECT day, sum(revenue_eur) AS revenue_eur, sum(orders) AS orders
FROM gold.daily_revenue
GROUP BY day
ORDER BY day
