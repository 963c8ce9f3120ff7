-- ref.fx_rates (seed) from seeds/ref/fx_rates.csv: read by DuckDB, its rows copied to redshift under its staging name, then published
SELECT * FROM read_csv('seeds/ref/fx_rates.csv', header = true, delim = ',', quote = '"', escape = '"');

-- silver.orders (table) from models/silver/orders.sql, for redshift (target rs): built under its staging name, then published
CREATE TABLE "silver"."_elt_staging_orders" AS
SELECT
    order_id,
    customer_id,
    amount,
    currency,
    status,
    ordered_at
FROM (
    SELECT
        order_id,
        customer_id,
        amount,
        currency,
        status,
        ordered_at,
        row_number() OVER (PARTITION BY order_id ORDER BY _file DESC NULLS LAST, _line DESC NULLS LAST) AS __qualify_1
    FROM bronze.orders
) AS __qualify
WHERE __qualify_1 = 1;

-- gold.daily_revenue (table) from models/gold/daily_revenue.sql, for redshift (target rs): built under its staging name, then published
CREATE TABLE "gold"."_elt_staging_daily_revenue" AS
SELECT
    CAST(o.ordered_at AS DATE) AS day,
    o.currency,
    count(*) AS orders,
    sum(o.amount) AS revenue,
    sum((CAST((o.amount) * (fx.rate_to_eur) AS DECIMAL(12,2)))) AS revenue_eur
FROM silver._elt_staging_orders AS o
JOIN ref._elt_staging_fx_rates AS fx USING (currency)
WHERE (o.status = 'paid') AND (o.amount >= 0)
GROUP BY CAST(o.ordered_at AS DATE), o.currency
ORDER BY day NULLS LAST, o.currency NULLS LAST;

