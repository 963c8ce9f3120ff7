SELECT
    CAST(o.ordered_at AS DATE) AS day,
    o.currency,
    count(*) AS orders,
    sum(o.amount) AS revenue,
    sum((CAST((o.amount) * (fx.rate_to_eur) AS DECIMAL(12,2)))) AS revenue_eur
FROM silver.orders AS o
JOIN ref.fx_rates AS fx USING (currency)
WHERE (o.status = 'paid') AND (o.amount >= 0)
GROUP BY CAST(o.ordered_at AS DATE), o.currency
ORDER BY day NULLS LAST, o.currency NULLS LAST
