/*
materialized: table
description: Paid revenue per day and currency, in the currency and in euros.
columns:
  - name: day
    checks: [not_null]
  - name: revenue_eur
    description: revenue converted with seeds/ref/fx_rates.csv
    checks:
      - range: {min: 0}
checks:
  - row_count: {min: 1}
*/
SELECT o.ordered_at::DATE AS day,
       o.currency,
       count(*) AS orders,
       sum(o.amount) AS revenue,
       sum(to_eur(o.amount, fx.rate_to_eur)) AS revenue_eur
FROM silver.orders AS o
JOIN ref.fx_rates AS fx USING (currency)
WHERE o.status = 'paid' AND o.amount >= getvariable('min_order_amount')
GROUP BY ALL
ORDER BY day, o.currency
